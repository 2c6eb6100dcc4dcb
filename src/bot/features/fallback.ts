import { Composer } from "grammy";
import type { BotContext } from "../context";
import { askLanguage } from "./language";

/** Last in the chain: whatever no feature took gets a short localized hint, never silence or an error. */
export const fallbackFeature = new Composer<BotContext>();

fallbackFeature.on("callback_query", (ctx) => ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") }));

fallbackFeature.chatType("private").on("message", async (ctx) => {
  if (ctx.localeUnknown) return askLanguage(ctx);
  if (!ctx.user?.onboardedAt) return ctx.reply(ctx.t("common.start_first"));
  const text = ctx.message.text;
  if (text?.startsWith("/")) return ctx.reply(ctx.t("common.unknown_command"));
  if (text !== undefined) return ctx.reply(ctx.t("common.unknown_text"));
  return ctx.reply(ctx.t("common.unsupported_message"));
});
