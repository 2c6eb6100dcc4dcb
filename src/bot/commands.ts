import type { Api } from "grammy";
import type { BotCommand } from "grammy/types";
import { type I18n, LOCALES } from "../i18n";

export const COMMANDS = [
  "start",
  "menu",
  "actions",
  "my",
  "marathons",
  "hours",
  "verify",
  "organize",
  "org",
  "settings",
  "language",
  "help",
  "cancel",
  "mydata",
  "deleteme",
] as const;

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
