import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import { type I18n, isLocale, type Locale, type Translate, translateDynamic } from "../i18n";
import { formatDate, formatDateTime, formatTime, formatWeekdayDate } from "../i18n/format";
import type { OutboxButton, OutboxPayload } from "../db/outbox";

/** A Bot API call ready to make: `api.raw[method](params)`. */
export type Rendered =
  | { method: "sendMessage"; params: { text: string; reply_markup?: InlineKeyboardMarkup } }
  | { method: "editMessageText"; params: { message_id: number; text: string; reply_markup?: InlineKeyboardMarkup } }
  | { method: "copyMessage"; params: { from_chat_id: number; message_id: number; reply_markup?: InlineKeyboardMarkup } }
  | { method: "sendDocument"; params: { document: string; caption?: string; reply_markup?: InlineKeyboardMarkup } }
  | { method: "sendPhoto"; params: { photo: string; caption: string; reply_markup?: InlineKeyboardMarkup } }
  | {
      method: "sendVenue";
      params: {
        latitude: number;
        longitude: number;
        title: string;
        address: string;
        reply_markup?: InlineKeyboardMarkup;
      };
    }
  /** The chat's own command menu (the dispatcher adds the scope: this chat). */
  | {
      method: "setMyCommands";
      params: { commands: Array<{ command: string; description: string }>; reply_markup?: never };
    }
  | { method: "deleteMyCommands"; params: { reply_markup?: never } };

/**
 * Turns what a button does into the button (label in the recipient's locale, callback data). Defined by the bot
 * (src/bot/outbox-buttons.ts) and handed to the dispatcher by the composition root: delivery never imports the bot.
 */
export type ButtonRenderer = (
  button: OutboxButton,
  t: Translate,
  /** The bot's username, for URL buttons that deep-link into it (undefined where unknown: such buttons fail). */
  botUsername?: string,
) => InlineKeyboardButton.CallbackButton | InlineKeyboardButton.UrlButton;

export class RenderError extends Error {
  override name = "RenderError";
}

function validDate(iso: unknown): Date {
  const date = new Date(String(iso));
  if (Number.isNaN(date.getTime())) throw new RenderError(`not a date: ${String(iso)}`);
  return date;
}

/** How deep `$tpl` / `$lines` parameters may nest (a stored payload must not recurse without end). */
const MAX_NESTING = 4;

/** Dates are rendered when the message is sent, so "today" / "tomorrow" are true when it arrives. */
function renderParam(value: unknown, locale: Locale, t: Translate, i18n: I18n, now: Date, depth = 0): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  if ("$tpl" in v || "$lines" in v) {
    if (depth >= MAX_NESTING) throw new RenderError("template parameters nested too deep");
    if ("$lines" in v) {
      if (!Array.isArray(v.$lines)) throw new RenderError("$lines is not a list");
      return v.$lines.map((line) => String(renderParam(line, locale, t, i18n, now, depth + 1))).join("\n");
    }
    return renderTemplate(i18n, String(v.$tpl), v.params, isLocale(v.locale) ? v.locale : locale, now, depth + 1);
  }
  if ("$datetime" in v) return formatDateTime(validDate(v.$datetime), locale, now);
  if ("$date" in v) return formatDate(validDate(v.$date), locale, now);
  if ("$day" in v) return formatWeekdayDate(validDate(v.$day), locale, now);
  if ("$time" in v) return formatTime(validDate(v.$time), locale);
  if ("$t" in v) return translateDynamic(t, String(v.$t));
  if ("$typed" in v) return String(v.$typed);
  return value;
}

/**
 * A locale template with its parameters rendered first. A parameter may itself be a template, `{ $tpl: key, params,
 * locale? }` (in another locale: a channel post shown in both languages), or `{ $lines: [...] }` (each rendered, one
 * per line: a digest's list). Their output is HTML: templates interpolate them unescaped (`{{- name}}`).
 */
function renderTemplate(
  i18n: I18n,
  template: string,
  rawParams: unknown,
  locale: Locale,
  now: Date,
  depth = 0,
): string {
  const t = i18n.t(locale);
  const params = Object.fromEntries(
    Object.entries((rawParams ?? {}) as Record<string, unknown>).map(([k, v]) => [
      k,
      renderParam(v, locale, t, i18n, now, depth),
    ]),
  );
  const text = translateDynamic(t, template, params);
  if (text === template) throw new RenderError(`missing locale key ${template}`);
  return text;
}

function commandMenu(i18n: I18n, menu: { commands: string[]; locale: string }): Rendered {
  if (menu.commands.length === 0) return { method: "deleteMyCommands", params: {} };
  const t = i18n.t(isLocale(menu.locale) ? menu.locale : "kk");
  const commands = menu.commands.map((command) => {
    const key = `commands.${command}`;
    const description = translateDynamic(t, key);
    if (description === key) throw new RenderError(`missing locale key ${key}`);
    return { command, description };
  });
  return { method: "setMyCommands", params: { commands } };
}

/** Turns an outbox payload into the Bot API call that delivers it (templates in the recipient's locale). */
export function render(
  i18n: I18n,
  payload: OutboxPayload,
  renderButton?: ButtonRenderer,
  now: Date = new Date(),
  botUsername?: string,
): Rendered {
  if ("venue" in payload) return { method: "sendVenue", params: { ...payload.venue } };
  if ("commandMenu" in payload) return commandMenu(i18n, payload.commandMenu);
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
  const text = renderTemplate(i18n, payload.template, payload.params, locale, now);
  const buttons = payload.buttons?.map((row) =>
    row.map((b) => {
      if ("data" in b) return { text: translateDynamic(t, b.textKey), callback_data: b.data }; // stored before OutboxButton
      if (!renderButton) throw new RenderError(`no button renderer for ${b.kind}`);
      return renderButton(b, t, botUsername);
    }),
  );
  const markup = buttons?.length ? { inline_keyboard: buttons } : undefined;
  if (payload.edit) return edit(payload.edit.messageId, text, markup);
  if (payload.photo)
    return { method: "sendPhoto", params: { photo: payload.photo, caption: text, reply_markup: markup } };
  return { method: "sendMessage", params: { text, reply_markup: markup } };
}

/** An edit without a keyboard removes the old one (Telegram keeps the old keyboard when reply_markup is absent). */
function edit(messageId: number, text: string, markup: InlineKeyboardMarkup | undefined): Rendered {
  return {
    method: "editMessageText",
    params: { message_id: messageId, text, reply_markup: markup ?? { inline_keyboard: [] } },
  };
}
