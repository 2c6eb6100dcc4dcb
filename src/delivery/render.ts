import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import { type I18n, isLocale, type Locale, type Translate, translateDynamic } from "../i18n";
import { formatDate, formatDateTime, formatTime, formatWeekdayDate } from "../i18n/format";
import type { OutboxButton, OutboxPayload } from "../db/outbox";

/** A Bot API call ready to make: `api.raw[method](params)`. */
export type Rendered =
  | { method: "sendMessage"; params: { text: string; reply_markup?: InlineKeyboardMarkup } }
  | { method: "copyMessage"; params: { from_chat_id: number; message_id: number; reply_markup?: InlineKeyboardMarkup } }
  | { method: "sendDocument"; params: { document: string; caption?: string; reply_markup?: InlineKeyboardMarkup } }
  | { method: "editMessageText"; params: { message_id: number; text: string; reply_markup?: InlineKeyboardMarkup } };

/**
 * Turns what a button does into the button (label in the recipient's locale, callback data). Defined by the bot
 * (src/bot/outbox-buttons.ts) and handed to the dispatcher by the composition root: delivery never imports the bot.
 */
export type ButtonRenderer = (
  button: OutboxButton,
  t: Translate,
) => InlineKeyboardButton.CallbackButton | InlineKeyboardButton.UrlButton;

export class RenderError extends Error {
  override name = "RenderError";
}

function validDate(iso: unknown): Date {
  const date = new Date(String(iso));
  if (Number.isNaN(date.getTime())) throw new RenderError(`not a date: ${String(iso)}`);
  return date;
}

/** Dates are rendered when the message is sent, so "today" / "tomorrow" are true when it arrives. */
function renderParam(value: unknown, locale: Locale, t: Translate, now: Date): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  if ("$datetime" in v) return formatDateTime(validDate(v.$datetime), locale, now);
  if ("$date" in v) return formatDate(validDate(v.$date), locale, now);
  if ("$day" in v) return formatWeekdayDate(validDate(v.$day), locale, now);
  if ("$time" in v) return formatTime(validDate(v.$time), locale);
  if ("$t" in v) return translateDynamic(t, String(v.$t));
  if ("$typed" in v) return String(v.$typed);
  return value;
}

/** Turns an outbox payload into the Bot API call that delivers it (templates in the recipient's locale). */
export function render(
  i18n: I18n,
  payload: OutboxPayload,
  renderButton?: ButtonRenderer,
  now: Date = new Date(),
): Rendered {
  if ("copy" in payload) {
    return {
      method: "copyMessage",
      params: {
        from_chat_id: payload.copy.fromChatId,
        message_id: payload.copy.messageId,
        reply_markup: payload.replyMarkup,
      },
    };
  }
  if ("document" in payload) {
    return {
      method: "sendDocument",
      params: { document: payload.document, caption: payload.caption, reply_markup: payload.replyMarkup },
    };
  }
  if ("text" in payload) {
    if (payload.edit) return edit(payload.edit.messageId, payload.text, payload.replyMarkup);
    return { method: "sendMessage", params: { text: payload.text, reply_markup: payload.replyMarkup } };
  }
  if (!("template" in payload) || typeof payload.template !== "string") throw new RenderError("unknown payload");

  const locale = isLocale(payload.locale) ? payload.locale : "kk";
  const t = i18n.t(locale);
  const params = Object.fromEntries(
    Object.entries(payload.params ?? {}).map(([k, v]) => [k, renderParam(v, locale, t, now)]),
  );
  const text = translateDynamic(t, payload.template, params);
  if (text === payload.template) throw new RenderError(`missing locale key ${payload.template}`);
  const buttons = payload.buttons?.map((row) =>
    row.map((b) => {
      if ("data" in b) return { text: translateDynamic(t, b.textKey), callback_data: b.data }; // stored before OutboxButton
      if (!renderButton) throw new RenderError(`no button renderer for ${b.kind}`);
      return renderButton(b, t);
    }),
  );
  const markup = buttons?.length ? { inline_keyboard: buttons } : undefined;
  if (payload.edit) return edit(payload.edit.messageId, text, markup);
  return { method: "sendMessage", params: { text, reply_markup: markup } };
}

/** An edit without a keyboard removes the old one (Telegram keeps the old keyboard when reply_markup is absent). */
function edit(messageId: number, text: string, markup: InlineKeyboardMarkup | undefined): Rendered {
  return {
    method: "editMessageText",
    params: { message_id: messageId, text, reply_markup: markup ?? { inline_keyboard: [] } },
  };
}
