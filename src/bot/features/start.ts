import { Composer } from "grammy";
import { setLanguage } from "../../domain/users";
import { localeFromTelegram } from "../../i18n";
import type { BotContext } from "../context";
import { ONBOARDING } from "../conversations/onboarding";
import { type DeepLink, matchDeepLink } from "../deep-links";
import { switchLocale } from "../middleware/user";
import { showScreen } from "../screen";
import { seniorHome } from "./clubs";
import { askLanguage } from "./language";
import { showMainMenu } from "./menu";

/** The answer to a language question that carries a deep-link payload (keyboards.ts languageKeyboard). */
const LANGUAGE_WITH_LINK = /^lang:(kk|ru):([A-Za-z0-9_-]{1,58})$/;

/**
 * /start [payload]: language (stored, else Telegram's, else ask) → onboarding for newcomers, the menu for the
 * others; a deep link opens its target (after onboarding when it needs a profile; an action's card opens at once,
 * after the language question when the language is unknown).
 */
export function startFeature(deepLinks: readonly DeepLink[]) {
  const feature = new Composer<BotContext>();
  feature.command("start", async (ctx) => {
    const user = ctx.user!;
    const deepLink = matchDeepLink(deepLinks, ctx.match);
    if (!user.language) {
      const fromTelegram = localeFromTelegram(ctx.from?.language_code);
      if (fromTelegram) {
        await setLanguage(ctx.deps.db, user.id, fromTelegram);
        switchLocale(ctx, fromTelegram);
      } else if (!deepLink || deepLink.link.needsOnboarding || deepLink.link.asksLanguage) {
        return askLanguage(ctx, deepLink ? ctx.match : undefined);
      }
    }
    if (deepLink && (!deepLink.link.needsOnboarding || user.onboardedAt)) return deepLink.link.open(ctx, deepLink.arg);
    if (!user.onboardedAt) return ctx.conversation.enter(ONBOARDING, deepLink ? ctx.match : undefined);
    if (user.seniorMode) return seniorHome(ctx);
    await showMainMenu(ctx, ctx.t("menu.welcome_back"));
  });

  // A newcomer's language answer for a link that opens without a profile: the target, not onboarding. Everything
  // else (onboarded users, links that need a profile, no link) goes on to bot/features/language.ts.
  feature.callbackQuery(LANGUAGE_WITH_LINK, async (ctx, next) => {
    const deepLink = matchDeepLink(deepLinks, ctx.match[2]);
    if (ctx.user?.onboardedAt || !deepLink || deepLink.link.needsOnboarding) return next();
    const locale = ctx.match[1] as "kk" | "ru";
    await setLanguage(ctx.deps.db, ctx.from.id, locale);
    switchLocale(ctx, locale);
    await ctx.answerCallbackQuery();
    await showScreen(ctx, ctx.t("language.changed"));
    await deepLink.link.open(ctx, deepLink.arg);
  });
  return feature;
}
