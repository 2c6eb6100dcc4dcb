import { Composer } from "grammy";
import { cbPattern } from "../callback-data";
import type { BotContext } from "../context";

export const helpFeature = new Composer<BotContext>();

helpFeature.command("help", (ctx) => ctx.reply(ctx.t("help.text")));

helpFeature.callbackQuery(cbPattern("m", "help"), async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t("help.text"));
});
