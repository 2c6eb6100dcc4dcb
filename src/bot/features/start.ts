import { Composer } from "grammy";
import { setLanguage } from "../../domain/users";
import { localeFromTelegram } from "../../i18n";
import type { BotContext } from "../context";
import { ONBOARDING } from "../conversations/onboarding";
import { type DeepLink, matchDeepLink } from "../deep-links";
import { switchLocale } from "../middleware/user";
import { seniorHome } from "./clubs";
import { askLanguage } from "./language";
import { showMainMenu } from "./menu";

/**
 * /start [payload]: language (stored, else Telegram's, else ask) → onboarding for newcomers, the menu for the
 * others; a deep link opens its target (after onboarding when it needs a profile).
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
      } else if (!deepLink || deepLink.link.needsOnboarding) {
        return askLanguage(ctx, deepLink ? ctx.match : undefined);
      }
    }
    if (deepLink && (!deepLink.link.needsOnboarding || user.onboardedAt)) return deepLink.link.open(ctx, deepLink.arg);
    if (!user.onboardedAt) return ctx.conversation.enter(ONBOARDING, deepLink ? ctx.match : undefined);
    if (user.seniorMode) return seniorHome(ctx);
    await showMainMenu(ctx, ctx.t("menu.welcome_back"));
  });
  return feature;
}
