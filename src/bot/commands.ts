import type { Api } from "grammy";
import type { BotCommand } from "grammy/types";
import { PUBLIC_COMMANDS } from "../domain/command-menu";
import { type I18n, type Locale, LOCALES } from "../i18n";

/** The menu everyone gets; staff get their own per chat (src/domain/command-menu.ts, set through the outbox). */
export const COMMANDS = PUBLIC_COMMANDS;

function commandList(describe: (command: (typeof COMMANDS)[number]) => string): BotCommand[] {
  return COMMANDS.map((command) => ({ command, description: describe(command) }));
}

/** The command menu for kk, ru and (for every other language) both names side by side. */
export async function registerCommands(api: Api, i18n: I18n): Promise<void> {
  for (const locale of LOCALES) {
    await api.setMyCommands(
      commandList((c) => i18n.t(locale)(`commands.${c}`)),
      { language_code: locale },
    );
  }
  await api.setMyCommands(commandList((c) => LOCALES.map((l) => i18n.t(l)(`commands.${c}`)).join(" / ")));
}

/** What Telegram shows before /start ("What can this bot do?") and on the bot's profile (the short one). */
export const DESCRIPTION_LIMITS = { description: 512, short: 120 } as const;

/**
 * The description and short description in kk, ru and the default. The default (any other Telegram language) holds
 * both languages, Kazakh first, as the default command menu does: Telegram has no Kazakh interface, so many Kazakh
 * speakers run it in English or Russian, and the bot asks the language at /start anyway. Set only when different
 * from what Telegram has (Telegram limits how often a bot changes its profile).
 */
export async function registerDescriptions(api: Api, i18n: I18n): Promise<void> {
  const texts: { language_code?: Locale; description: string; short: string }[] = [
    ...LOCALES.map((locale) => ({
      language_code: locale,
      description: i18n.t(locale)("help.bot_description"),
      short: i18n.t(locale)("help.bot_short_description"),
    })),
    {
      description: LOCALES.map((l) => i18n.t(l)("help.bot_description")).join("\n\n"),
      short: LOCALES.map((l) => i18n.t(l)("help.bot_short_description")).join(" · "),
    },
  ];
  for (const { language_code, description, short } of texts) {
    const scope = language_code ? { language_code } : undefined;
    if ((await api.getMyDescription(scope)).description !== description) {
      await api.setMyDescription(description, scope);
    }
    if ((await api.getMyShortDescription(scope)).short_description !== short) {
      await api.setMyShortDescription(short, scope);
    }
  }
}
