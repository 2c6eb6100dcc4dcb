import { Composer, InlineKeyboard } from "grammy";
import type { Translate } from "../../i18n";
import { cb, cbPattern } from "../callback-data";
import type { BotContext } from "../context";
import { showScreen } from "../screen";
import { seniorKeyboard } from "./clubs/views";

export const helpFeature = new Composer<BotContext>();

/** What the bot does in a few lines, with buttons to its main parts (the main menu's own buttons). */
export function helpKeyboard(t: Translate): InlineKeyboard {
  return new InlineKeyboard()
    .text(t("menu.nearby"), cb("m", "nearby"))
    .text(t("menu.my_actions"), cb("m", "mine"))
    .row()
    .text(t("menu.hours"), cb("m", "hours"))
    .text(t("menu.marathons"), cb("m", "marathons"))
    .row()
    .text(t("menu.settings"), cb("m", "settings"))
    .text(t("common.back"), cb("m", "home"));
}

/** /help; in senior mode a few plain lines about the four big buttons, which stay. */
helpFeature.command("help", (ctx) =>
  ctx.user?.seniorMode
    ? ctx.reply(ctx.t("help.senior"), { reply_markup: seniorKeyboard(ctx.t) })
    : ctx.reply(ctx.t("help.text"), { reply_markup: helpKeyboard(ctx.t) }),
);

helpFeature.callbackQuery(cbPattern("m", "help"), async (ctx) => {
  await ctx.answerCallbackQuery();
  await showScreen(ctx, ctx.t("help.text"), helpKeyboard(ctx.t));
});
