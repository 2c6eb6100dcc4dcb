import { Composer } from "grammy";
import { setLanguage } from "../../domain/users";
import { LOCALES } from "../../i18n";
import { cbPattern } from "../callback-data";
import type { BotContext } from "../context";
import { ONBOARDING } from "../conversations/onboarding";
import { languageKeyboard } from "../keyboards";
import { switchLocale } from "../middleware/user";
import { showScreen } from "../screen";
import { showMainMenu } from "./menu";

/** The language question is bilingual: the user may read only one of the two. */
export function askLanguage(ctx: BotContext, deepLinkPayload?: string) {
  const { i18n } = ctx.deps;
  const text = LOCALES.map((l) => i18n.t(l)("language.ask")).join("\n");
  return ctx.reply(text, { reply_markup: languageKeyboard(ctx.t, deepLinkPayload) });
}

export const languageFeature = new Composer<BotContext>();

languageFeature.command("language", (ctx) => askLanguage(ctx));
languageFeature.callbackQuery(cbPattern("s", "lang"), async (ctx) => {
  await ctx.answerCallbackQuery();
  await askLanguage(ctx);
});

// lang:<locale>[:<deep-link payload>] — the payload survives the language question for newcomers.
languageFeature.callbackQuery(/^lang:(kk|ru)(?::([A-Za-z0-9_-]{1,58}))?$/, async (ctx) => {
  const locale = ctx.match[1] as "kk" | "ru";
  await setLanguage(ctx.deps.db, ctx.from.id, locale);
  switchLocale(ctx, locale);
  await ctx.answerCallbackQuery();
  await showScreen(ctx, ctx.t("language.changed"));
  if (ctx.user?.onboardedAt) await showMainMenu(ctx);
  else await ctx.conversation.enter(ONBOARDING, ctx.match[2]);
});
