import { giveConsent, hasConsent } from "../domain/users";
import { MAX_CALLBACK_BYTES } from "./callback-data";
import type { BotContext } from "./context";
import { telegramProfile } from "./profile";
import { showScreen } from "./screen";

/** Callback data of the button that asked for consent, carried by "give consent" so it can be pressed again. */
const CONTINUE = /^[A-Za-z0-9_.:-]{1,60}$/;
const PREFIX = "cg:";

/**
 * For a button that needs consent to personal-data processing: true, or a short message with the button that gives
 * it (not a toast that vanishes) and false. After consent, a "Continue" button presses the original button again,
 * which checks everything anew (its data is the bot's own, sent back by Telegram; it grants nothing by itself).
 */
export async function requireConsent(ctx: BotContext): Promise<boolean> {
  if (hasConsent(ctx.user)) return true;
  const pressed = ctx.callbackQuery?.data;
  const data =
    pressed && CONTINUE.test(pressed) && Buffer.byteLength(PREFIX + pressed) <= MAX_CALLBACK_BYTES
      ? PREFIX + pressed
      : "cg:";
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  await ctx.reply(`${ctx.t("actions.consent_ask_generic")}\n\n${ctx.t("onboarding.consent_text")}`, {
    reply_markup: { inline_keyboard: [[{ text: ctx.t("actions.btn_consent_give"), callback_data: data }]] },
  });
  return false;
}

/** The "give consent" button of requireConsent: consent, then "Continue" to what the person wanted. */
export async function giveConsentAndContinue(ctx: BotContext): Promise<void> {
  const data = ctx.callbackQuery?.data ?? "";
  const next = data.slice(PREFIX.length);
  if (!hasConsent(ctx.user)) ctx.user = await giveConsent(ctx.deps.db, ctx.from!.id, telegramProfile(ctx.from!));
  await ctx.answerCallbackQuery();
  const keyboard = CONTINUE.test(next)
    ? { inline_keyboard: [[{ text: ctx.t("actions.btn_continue"), callback_data: next }]] }
    : undefined;
  await showScreen(ctx, ctx.t("actions.consent_given_continue"), keyboard);
}

export const CONSENT_BUTTON = /^cg:(.*)$/;
