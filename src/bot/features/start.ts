import { Composer } from "grammy";
import { setLanguage } from "../../domain/users";
import { localeFromTelegram } from "../../i18n";
import type { BotContext } from "../context";
import { ONBOARDING } from "../conversations/onboarding";
import { switchLocale } from "../middleware/user";
import { askLanguage } from "./language";
import { showMainMenu } from "./menu";

export const startFeature = new Composer<BotContext>();

/** /start: language (stored, else Telegram's, else ask) → onboarding for newcomers, the menu for the others. */
startFeature.command("start", async (ctx) => {
  const user = ctx.user!;
  if (!user.language) {
    const fromTelegram = localeFromTelegram(ctx.from?.language_code);
    if (!fromTelegram) return askLanguage(ctx);
    await setLanguage(ctx.deps.db, user.id, fromTelegram);
    switchLocale(ctx, fromTelegram);
  }
  if (!user.onboardedAt) return ctx.conversation.enter(ONBOARDING);
  await showMainMenu(ctx, ctx.t("menu.welcome_back"));
});
