import { Composer } from "grammy";
import type { BotContext } from "../context";

/** /cancel leaves any conversation; installed before the conversations so it always gets through. */
export const cancelFeature = new Composer<BotContext>();

cancelFeature.command("cancel", async (ctx) => {
  const active = Object.keys(ctx.conversation.active()).length > 0;
  if (!active) return ctx.reply(ctx.t("common.nothing_to_cancel"), { reply_markup: { remove_keyboard: true } });
  await ctx.conversation.exitAll();
  const key = ctx.user?.onboardedAt ? "common.cancelled" : "common.cancelled_onboarding";
  await ctx.reply(ctx.t(key), { reply_markup: { remove_keyboard: true } });
});
