import { cleanName } from "../domain/text";
import type { TelegramProfile } from "../domain/users";
import { ONBOARDING } from "./conversations/registry";
import type { BotContext } from "./context";

/** What is stored of a Telegram profile (with consent): names cleaned at the edge, undefined when invisible. */
export function telegramProfile(from: { first_name: string; last_name?: string; username?: string }): TelegramProfile {
  return {
    firstName: cleanName(from.first_name),
    lastName: cleanName(from.last_name),
    username: cleanName(from.username),
  };
}

/**
 * For features that need a finished profile with a region (joining, logging hours, reporting deeds): true, or a
 * one-line note and the user is taken into onboarding. `/cancel` during onboarding, or consent given in the settings
 * without a region, can no longer skip it. A user who declined consent has no region on purpose: the feature's own
 * consent check answers them.
 */
export async function requireProfile(ctx: BotContext, resume?: string): Promise<boolean> {
  const user = ctx.user;
  if (user?.onboardedAt && (user.regionCode || !user.consentAt)) return true;
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t("chats.profile_first"));
  await ctx.conversation.exitAll();
  // `resume`: a deep-link payload (e.g. a_<id>) offered as a button when onboarding ends, to go on from there.
  await ctx.conversation.enter(ONBOARDING, resume);
  return false;
}

/** For features of a registered user: true, or "send /start first" (an alert on a press) and false. */
export async function requireOnboarded(ctx: BotContext): Promise<boolean> {
  if (ctx.user?.onboardedAt) return true;
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t("common.start_first"), show_alert: true });
  else await ctx.reply(ctx.t("common.start_first"));
  return false;
}
