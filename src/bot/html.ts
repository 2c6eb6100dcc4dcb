import type { Transformer } from "grammy";

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/** The one escape for every user-provided value that goes into an HTML message. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"]/g, (ch) => HTML_ESCAPES[ch]!);
}

const HTML_METHODS = new Set(["sendMessage", "editMessageText", "sendDocument", "sendPhoto", "editMessageCaption", "copyMessage"]);

/** Makes HTML the default parse mode for every text the bot sends. */
export const htmlByDefault: Transformer = (prev, method, payload, signal) => {
  if (HTML_METHODS.has(method) && payload && !("parse_mode" in payload)) {
    payload = { ...payload, parse_mode: "HTML" } as typeof payload;
  }
  return prev(method, payload, signal);
};
