/** The bot's profile methods: getMe, the command menus, the menu button and the descriptions. */
import type { BotCommand, UserFromGetMe } from "grammy/types";
import type { ChatStore } from "./chats";
import type { Handler } from "./http";
import { isObj, optStr } from "./params";
import { bad } from "./types";

const COMMAND_SCOPES = new Set([
  "default",
  "all_private_chats",
  "all_group_chats",
  "all_chat_administrators",
  "chat",
  "chat_administrators",
  "chat_member",
]);

/** The key of a command set; a scope naming a chat must name one the bot knows ("chat not found" otherwise). */
export function commandKey(scope: unknown, lang: unknown, chats?: ChatStore): string {
  const s: any = isObj(scope) ? scope : { type: "default" };
  if (!COMMAND_SCOPES.has(s.type)) throw bad("wrong scope type specified");
  const chatId = s.type.startsWith("chat") ? (chats ? chats.chatId(s.chat_id) : Number(s.chat_id)) : "";
  const language = optStr(lang, "language_code") ?? "";
  if (language !== "" && !/^[a-z]{2}$/.test(language)) throw bad("invalid language code specified");
  return `${s.type}|${chatId}|${s.user_id ?? ""}|${language}`;
}

export class BotProfile {
  /** Commands by commandKey(scope, language). */
  readonly commandSets = new Map<string, BotCommand[]>();
  private readonly menuButtons = new Map<string, unknown>();
  private readonly descriptions = new Map<string, { description?: string; short_description?: string }>();

  constructor(
    private readonly botInfo: UserFromGetMe,
    private readonly chats: ChatStore,
  ) {}

  methods(): Record<string, Handler> {
    const { commandSets, menuButtons, descriptions, chats } = this;
    return {
      getMe: () => this.botInfo,
      close: () => true,
      logOut: () => true,

      setMyCommands: (p) => {
        const key = commandKey(p.scope, p.language_code, chats);
        const cmds = p.commands;
        if (!Array.isArray(cmds)) throw bad("can't parse commands JSON object");
        if (cmds.length > 100) throw bad("BOT_COMMANDS_TOO_MUCH");
        for (const c of cmds) {
          if (!isObj(c) || typeof c.command !== "string" || !/^[a-z0-9_]{1,32}$/.test(c.command))
            throw bad("BOT_COMMAND_INVALID");
          if (typeof c.description !== "string" || c.description.trim() === "" || c.description.length > 256) {
            throw bad("BOT_COMMAND_DESCRIPTION_INVALID");
          }
        }
        // An empty list is accepted, as by Telegram: it clears the commands.
        if (cmds.length === 0) commandSets.delete(key);
        else
          commandSets.set(
            key,
            cmds.map((c: any) => ({ command: c.command, description: c.description })),
          );
        return true;
      },
      getMyCommands: (p) => commandSets.get(commandKey(p.scope, p.language_code, chats)) ?? [],
      deleteMyCommands: (p) => {
        commandSets.delete(commandKey(p.scope, p.language_code, chats));
        return true;
      },

      setChatMenuButton: (p) => {
        const key = p.chat_id === undefined ? "default" : String(chats.chatId(p.chat_id));
        const mb: any = p.menu_button ?? { type: "default" };
        if (!isObj(mb) || !["commands", "web_app", "default"].includes(mb.type))
          throw bad("can't parse menu button JSON object");
        if (
          mb.type === "web_app" &&
          (typeof mb.text !== "string" ||
            !mb.text ||
            !isObj(mb.web_app) ||
            !/^https:\/\//i.test(String(mb.web_app.url)))
        ) {
          throw bad("BUTTON_URL_INVALID");
        }
        menuButtons.set(key, mb);
        return true;
      },
      getChatMenuButton: (p) =>
        menuButtons.get(p.chat_id === undefined ? "default" : String(chats.chatId(p.chat_id))) ?? { type: "commands" },
      setMyDescription: (p) => {
        const d = optStr(p.description, "description") ?? "";
        if (d.length > 512) throw bad("BOT_DESCRIPTION_INVALID");
        const key = optStr(p.language_code, "language_code") ?? "";
        descriptions.set(key, { ...descriptions.get(key), description: d });
        return true;
      },
      getMyDescription: (p) => ({
        description: descriptions.get(optStr(p.language_code, "language_code") ?? "")?.description ?? "",
      }),
      setMyShortDescription: (p) => {
        const d = optStr(p.short_description, "short_description") ?? "";
        if (d.length > 120) throw bad("BOT_SHORT_DESCRIPTION_INVALID");
        const key = optStr(p.language_code, "language_code") ?? "";
        descriptions.set(key, { ...descriptions.get(key), short_description: d });
        return true;
      },
      getMyShortDescription: (p) => ({
        short_description: descriptions.get(optStr(p.language_code, "language_code") ?? "")?.short_description ?? "",
      }),
    };
  }
}
