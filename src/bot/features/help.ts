import { Composer } from "grammy";
import { cbPattern } from "../callback-data";
import type { BotContext } from "../context";

export const helpFeature = new Composer<BotContext>();

const helpText = (ctx: BotContext) => ctx.t("help.text");

helpFeature.command("help", (ctx) => ctx.reply(helpText(ctx)));

helpFeature.callbackQuery(cbPattern("m", "help"), async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.reply(helpText(ctx));
});
