import { Composer } from "grammy";
import { cbPattern } from "../callback-data";
import type { BotContext } from "../context";
import { mainMenuKeyboard } from "../keyboards";
import { showScreen } from "../screen";
import { seniorHome } from "./clubs";

export async function showMainMenu(ctx: BotContext, greeting?: string): Promise<void> {
  const text = greeting ? `${greeting}\n\n${ctx.t("menu.title")}` : ctx.t("menu.title");
  await ctx.reply(text, { reply_markup: mainMenuKeyboard(ctx.t) });
}

export const menuFeature = new Composer<BotContext>();

/** /menu: the main menu, or in senior mode the senior screen (its four big buttons are the whole menu). */
menuFeature.command("menu", (ctx) => (ctx.user?.seniorMode ? seniorHome(ctx) : showMainMenu(ctx)));

menuFeature.callbackQuery(cbPattern("m", "home"), async (ctx) => {
  await ctx.answerCallbackQuery();
  await showScreen(ctx, ctx.t("menu.title"), mainMenuKeyboard(ctx.t));
});
