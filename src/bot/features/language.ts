import { Composer, InlineKeyboard } from "grammy";
import { setLanguage } from "../../domain/users";
import { LOCALES } from "../../i18n";
import { cb, cbPattern } from "../callback-data";
import type { BotContext } from "../context";
import { ONBOARDING } from "../conversations/onboarding";
import { languageKeyboard, mainMenuKeyboard } from "../keyboards";
import { switchLocale } from "../middleware/user";
import { showScreen } from "../screen";
import { seniorHome } from "./clubs";

/** The language question is bilingual: the user may read only one of the two. */
export function askLanguage(ctx: BotContext, deepLinkPayload?: string) {
  const { i18n } = ctx.deps;
  const text = LOCALES.map((l) => i18n.t(l)("language.ask")).join("\n");
  return ctx.reply(text, { reply_markup: languageKeyboard(ctx.t, deepLinkPayload) });
}

export const languageFeature = new Composer<BotContext>();

languageFeature.command("language", (ctx) => askLanguage(ctx));
/** From the settings: the settings message becomes the question; the answer redraws the settings in place. */
languageFeature.callbackQuery(cbPattern("s", "lang"), async (ctx) => {
  await ctx.answerCallbackQuery();
  const text = LOCALES.map((l) => ctx.deps.i18n.t(l)("language.ask")).join("\n");
  const keyboard = new InlineKeyboard(
    LOCALES.map((l) => [{ text: ctx.t(`language.${l}`), callback_data: cb("s", "lg", l) }]),
  );
  await showScreen(ctx, text, keyboard.row().text(ctx.t("common.back"), cb("m", "settings")));
});

// lang:<locale>[:<deep-link payload>] — the payload survives the language question for newcomers.
languageFeature.callbackQuery(/^lang:(kk|ru)(?::([A-Za-z0-9_-]{1,58}))?$/, async (ctx) => {
  const locale = ctx.match[1] as "kk" | "ru";
  await setLanguage(ctx.deps.db, ctx.from.id, locale);
  switchLocale(ctx, locale);
  await ctx.answerCallbackQuery();
  // In senior mode the four big buttons are redrawn in the new language under the senior screen.
  if (ctx.user?.onboardedAt && ctx.user.seniorMode) {
    await showScreen(ctx, ctx.t("language.changed"));
    return seniorHome(ctx);
  }
  // An onboarded user: the question becomes the main menu in the new language (no new message below an old one).
  if (ctx.user?.onboardedAt)
    return showScreen(ctx, `${ctx.t("language.changed")}\n\n${ctx.t("menu.title")}`, mainMenuKeyboard(ctx.t));
  await showScreen(ctx, ctx.t("language.changed"));
  await ctx.conversation.enter(ONBOARDING, ctx.match[2]);
});
