/**
 * What Telegram refuses before anything is sent: keyboards (button kinds, callback data of 1–64 bytes, URLs),
 * texts and captions after parsing (empty, too long), locations, and edits that change nothing.
 */
import { formatText } from "./format";
import { clean, isObj, optNum, optStr, type Params } from "./params";
import { ApiError, bad, type ParsedText } from "./types";

const BUTTON_KINDS = [
  "callback_data",
  "url",
  "switch_inline_query",
  "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat",
  "login_url",
  "web_app",
  "pay",
  "copy_text",
  "callback_game",
] as const;
const BUTTON_URL = /^(?:https?|tg):\/\/\S+$/i;
const UNPARSABLE_MARKUP = "Bad Request: can't parse reply keyboard markup JSON object";

/** Validates a reply_markup object (or its JSON string); returns Telegram's error description or undefined. */
export function validateReplyMarkup(markup: unknown): string | undefined {
  if (typeof markup === "string") {
    try {
      markup = JSON.parse(markup);
    } catch {
      return UNPARSABLE_MARKUP;
    }
  }
  if (!isObj(markup)) return UNPARSABLE_MARKUP;
  if ("inline_keyboard" in markup) return validateInlineKeyboard(markup.inline_keyboard);
  if ("keyboard" in markup) {
    const rows = markup.keyboard;
    if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
      return `Bad Request: can't parse keyboard button: Field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays`;
    }
    let total = 0;
    for (const row of rows as unknown[][]) {
      for (const b of row) {
        total++;
        const text = typeof b === "string" ? b : isObj(b) ? b.text : undefined;
        if (typeof text !== "string" || text.trim() === "")
          return "Bad Request: can't parse keyboard button: Text must be non-empty";
      }
    }
    if (total > 300) return "Bad Request: REPLY_MARKUP_TOO_LONG";
    const ph = markup.input_field_placeholder;
    if (ph !== undefined && (typeof ph !== "string" || ph.length > 64))
      return "Bad Request: input field placeholder is too long";
    return undefined;
  }
  if (markup.remove_keyboard === true) return undefined;
  if (markup.force_reply === true) return undefined;
  return UNPARSABLE_MARKUP;
}

function validateInlineKeyboard(rows: unknown): string | undefined {
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
    return `Bad Request: can't parse inline keyboard button: Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays`;
  }
  let total = 0;
  for (const row of rows as unknown[][]) {
    if (row.length > 8) return "Bad Request: too many inline keyboard buttons";
    for (const b of row) {
      total++;
      if (!isObj(b)) return "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object";
      if (typeof b.text !== "string" || b.text.trim() === "") return "Bad Request: BUTTON_TEXT_INVALID";
      const kinds = BUTTON_KINDS.filter((k) => b[k] !== undefined && b[k] !== null);
      if (kinds.length !== 1) return "Bad Request: BUTTON_TYPE_INVALID";
      switch (kinds[0]) {
        case "callback_data": {
          const d = b.callback_data;
          // The limit is in bytes: 33 Cyrillic letters are 66 bytes.
          if (typeof d !== "string" || d.length === 0 || Buffer.byteLength(d, "utf8") > 64)
            return "Bad Request: BUTTON_DATA_INVALID";
          break;
        }
        case "url":
          if (typeof b.url !== "string" || !BUTTON_URL.test(b.url)) return "Bad Request: BUTTON_URL_INVALID";
          break;
        case "login_url":
          if (
            !isObj(b.login_url) ||
            typeof b.login_url.url !== "string" ||
            !/^https?:\/\/\S+$/i.test(b.login_url.url)
          ) {
            return "Bad Request: BUTTON_URL_INVALID";
          }
          break;
        case "web_app":
          if (!isObj(b.web_app) || typeof b.web_app.url !== "string" || !/^https:\/\/\S+$/i.test(b.web_app.url)) {
            return "Bad Request: BUTTON_URL_INVALID";
          }
          break;
        case "copy_text":
          if (
            !isObj(b.copy_text) ||
            typeof b.copy_text.text !== "string" ||
            b.copy_text.text.length < 1 ||
            b.copy_text.text.length > 256
          ) {
            return "Bad Request: COPY_TEXT_INVALID";
          }
          break;
        case "switch_inline_query":
        case "switch_inline_query_current_chat":
          if (typeof b[kinds[0]] !== "string") return "Bad Request: BUTTON_TYPE_INVALID";
          break;
      }
    }
  }
  if (total > 100) return "Bad Request: REPLY_MARKUP_TOO_LONG";
  return undefined;
}

/** A validated reply_markup (object or JSON string), or undefined when none was given. */
export function parseMarkup(v: unknown): any {
  if (v === undefined || v === null || v === "") return undefined;
  const error = validateReplyMarkup(v);
  if (error) throw new ApiError(400, error);
  return clean(typeof v === "string" ? JSON.parse(v) : v);
}

/** The inline keyboard Telegram echoes in the Message; other keyboards are not part of a message. */
export function inlineOf(markup: any): any {
  return markup && "inline_keyboard" in markup ? { inline_keyboard: markup.inline_keyboard } : undefined;
}

/** Edits accept only inline keyboards; leaving reply_markup out removes the keyboard, as in Telegram. */
export function editMarkup(v: unknown): any {
  const markup = parseMarkup(v);
  if (markup !== undefined && !("inline_keyboard" in markup)) throw bad("inline keyboard expected");
  return inlineOf(markup);
}

/** A message text: 1–4096 characters after entity parsing. */
export function messageText(raw: unknown, parseMode: unknown, entities: unknown): ParsedText {
  const parsed = formatText(optStr(raw, "text") ?? "", parseMode, entities);
  if (parsed.text.trim() === "") throw bad("message text is empty");
  if (parsed.text.length > 4096) throw bad("message is too long");
  return parsed;
}

/** A caption: 0–1024 characters after entity parsing; undefined when none was given. */
export function messageCaption(raw: unknown, parseMode: unknown, entities: unknown): ParsedText | undefined {
  const s = optStr(raw, "caption");
  if (s === undefined) return undefined;
  const parsed = formatText(s, parseMode, entities);
  if (parsed.text.length > 1024) throw bad("message caption is too long");
  return parsed;
}

/** The Message fields of a caption (none for an empty one). */
export function captionFields(c: ParsedText | undefined): Record<string, unknown> {
  if (!c || c.text === "") return {};
  return { caption: c.text, caption_entities: c.entities.length ? c.entities : undefined };
}

export function location(p: Params): { latitude: number; longitude: number } {
  const latitude = optNum(p.latitude, "latitude", false);
  const longitude = optNum(p.longitude, "longitude", false);
  if (latitude === undefined || Math.abs(latitude) > 90) throw bad("wrong latitude specified");
  if (longitude === undefined || Math.abs(longitude) > 180) throw bad("wrong longitude specified");
  return { latitude, longitude };
}

export const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

export const notModified = () =>
  bad(
    "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
  );
