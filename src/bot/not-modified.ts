import type { Context, Transformer } from "grammy";
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";

/**
 * Telegram answers 400 "message is not modified" to an edit that changes nothing (a double tap, a refresh of an
 * unchanged screen). It is harmless (TELEGRAM.md), so edits treat it as done instead of failing the update.
 */
export const ignoreNotModified: Transformer = async (prev, method, payload, signal) => {
  const result = await prev(method, payload, signal);
  if (!result.ok && method.startsWith("editMessage") && result.description.includes("message is not modified")) {
    return { ok: true, result: true as never };
  }
  return result;
};

const HTML_ENTITIES: Record<string, string> = { lt: "<", gt: ">", quot: '"', amp: "&" };

/** The text Telegram shows for an HTML text: tags dropped, entities decoded. */
function shownText(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&(?:(lt|gt|quot|amp)|#(\d+)|#x([0-9a-f]+));/gi, (_m, named: string, dec: string, hex: string) =>
      named ? HTML_ENTITIES[named.toLowerCase()]! : String.fromCodePoint(dec ? Number(dec) : parseInt(hex, 16)),
    );
}

function buttonsOf(markup: InlineKeyboardMarkup | undefined): string {
  return JSON.stringify(
    (markup?.inline_keyboard ?? []).map((row) =>
      row.map((b: InlineKeyboardButton) => [b.text, "callback_data" in b ? b.callback_data : "url" in b ? b.url : ""]),
    ),
  );
}

/**
 * Does the pressed message already show this screen (same text, same buttons)? Then an edit would only earn
 * "message is not modified": skip it. Formatting alone is not compared; screens never differ only in it.
 */
export function showsAlready(ctx: Context, html: string, keyboard: InlineKeyboardMarkup | undefined): boolean {
  const shown = ctx.callbackQuery?.message;
  return (
    shown?.text !== undefined && shown.text === shownText(html) && buttonsOf(shown.reply_markup) === buttonsOf(keyboard)
  );
}
