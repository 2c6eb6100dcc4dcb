import type { Transformer } from "grammy";

/** The one escape for every interpolated value (it lives in core/, as i18n and delivery use it too). */
export { escapeHtml } from "../core/html";

const HTML_METHODS = new Set([
  "sendMessage",
  "editMessageText",
  "sendDocument",
  "sendPhoto",
  "editMessageCaption",
  "copyMessage",
]);

/** Makes HTML the default parse mode for every text the bot sends. */
export const htmlByDefault: Transformer = (prev, method, payload, signal) => {
  if (HTML_METHODS.has(method) && payload && !("parse_mode" in payload)) {
    payload = { ...payload, parse_mode: "HTML" } as typeof payload;
  }
  return prev(method, payload, signal);
};
