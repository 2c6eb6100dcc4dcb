import { type Context, GrammyError, type InlineKeyboard } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import { showsAlready } from "./not-modified";

/**
 * Shows a screen: after a button press it replaces the pressed message, otherwise (or when the pressed message has
 * no text, e.g. a pin) it is sent as a new message. An edit Telegram refuses for another reason than "not modified"
 * (which bot/not-modified.ts turns into success) — the message was deleted, is too old to edit — falls back to a new
 * message, so the press is answered once and no apology follows. The one helper for every "edit the pressed message".
 */
export async function showScreen(
  ctx: Context,
  text: string,
  keyboard?: InlineKeyboard | InlineKeyboardMarkup,
): Promise<void> {
  // A second press on a button that leads to the screen already shown: nothing to edit ("message is not modified").
  if (showsAlready(ctx, text, keyboard)) return;
  await showStep(ctx, text, keyboard);
}

/**
 * showScreen for a conversation's steps: no "already shown" check, because a replayed step sees the pressed message
 * without its text (storage.ts keeps only ids) and must make the same calls as the live run did.
 */
export async function showStep(
  ctx: Context,
  text: string,
  keyboard?: InlineKeyboard | InlineKeyboardMarkup,
): Promise<void> {
  const options = { reply_markup: keyboard, link_preview_options: { is_disabled: true } };
  const pressed = ctx.callbackQuery?.message;
  // Not the content check "has text": inside a conversation the replayed message keeps only its ids (storage.ts),
  // and a replay must take the same branch as the live run did.
  const noText =
    pressed && ["location", "venue", "photo", "document", "caption", "sticker"].some((key) => key in pressed);
  if (pressed && pressed.date !== 0 && !noText) {
    try {
      await ctx.editMessageText(text, options);
      return;
    } catch (error) {
      if (!(error instanceof GrammyError) || error.error_code !== 400) throw error;
    }
  }
  await ctx.reply(text, options);
}
