import type { Update } from "grammy/types";
import { createI18n, type Locale, type LocaleKey, translateDynamic } from "../../src/i18n";
import { type ApiCall, type BotApiEmulator, parseTelegramHtml, type StoredMessage } from "./fake-telegram";
import { waitFor } from "./delivery-fixtures";
import type { Harness } from "./harness";

export interface Button {
  text: string;
  callback_data?: string;
  url?: string;
}

/** The inline buttons of a message, row after row. */
export function buttons(message: { reply_markup?: any } | undefined): Button[] {
  return (message?.reply_markup?.inline_keyboard ?? []).flat();
}

/** The callback data of a message's inline buttons. */
export function buttonData(message: { reply_markup?: any } | undefined): string[] {
  return buttons(message).map((b) => b.callback_data!);
}

/** What a user sees of an HTML text: the text without markup, entities decoded. */
export const plain = (html: string | undefined) => parseTelegramHtml(html ?? "").text;

/** The answerCallbackQuery call for a button press, if the bot answered it. */
export function answerTo(emulator: BotApiEmulator, update: Update): ApiCall | undefined {
  return emulator.calls.find(
    (c) => c.method === "answerCallbackQuery" && c.params.callback_query_id === update.callback_query!.id,
  );
}

/** The toast the bot showed for a button press (the text of its answerCallbackQuery), if any. */
export function toastOf(emulator: BotApiEmulator, update: Update): string | undefined {
  return answerTo(emulator, update)?.params.text as string | undefined;
}

/** Waits for a message to `chatId` (sent after `afterSeq`, e.g. through the outbox) whose text contains `contains`. */
export function deliveredTo(emulator: BotApiEmulator, chatId: number, contains: string, afterSeq: number) {
  return emulator.waitForCall(
    (c) =>
      c.method === "sendMessage" &&
      Number(c.params.chat_id) === chatId &&
      plain(String(c.params.text)).includes(contains),
    { timeoutMs: 10_000, afterSeq },
  );
}

const i18n = createI18n();

/** A localized text as the bot sends it (HTML), e.g. `await localized("ru", "common.stale_button")`. */
export async function localized(locale: Locale, key: LocaleKey, options?: Record<string, unknown>): Promise<string> {
  return translateDynamic((await i18n).t(locale), key, options);
}

/**
 * The usual conversation helpers for one bot under test. `bot` is read at each call, so a test that restarts
 * its harness (a new Harness in the same variable) keeps using the same helpers.
 */
export function chatWith(bot: () => Harness) {
  const emulator = () => bot().emulator;
  const last = (chatId: number): StoredMessage => emulator().lastBotMessage(chatId)!;
  return {
    last,
    /** The user writes a text (a command too) and the bot handles it. */
    say: (userId: number, text: string) => bot().send(() => emulator().sendText(userId, text)),
    /** The user presses a button with `data` on a message of the bot (by default the last one). */
    press: (userId: number, data: string, messageId = last(userId).message_id) =>
      bot().send(() => emulator().pressButton(userId, messageId, data)),
    /** The same, the message first (for presses on a message other than the last). */
    pressOn: (userId: number, messageId: number, data: string) =>
      bot().send(() => emulator().pressButton(userId, messageId, data)),
    toast: (update: Update) => toastOf(emulator(), update),
    /** Runs the scheduler's jobs (what their cron ticks do) until the bot's message shows `text` (a progress edit). */
    shows: (chatId: number, messageId: number, text: string) =>
      waitFor(
        async () => {
          await bot().app.delivery!.scheduler!.runAll();
          return plain(
            emulator()
              .messages(chatId)
              .find((m) => m.message_id === messageId)?.text,
          ).includes(text);
        },
        20_000,
        `message ${messageId} showing ${text}`,
      ),
  };
}
