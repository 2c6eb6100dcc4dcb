import type { Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { conversationStates } from "../../src/db/schema";
import { findUser } from "../../src/domain/users";
import { CHANNEL_BOT, GROUP_ANONYMOUS_BOT } from "../../src/bot/features/groups";
import { testDatabases } from "../support/db";
import type { BotApiEmulator } from "../support/fake-telegram";
import { type Harness, openBot } from "../support/harness";

const ONE_LINE = {
  kk: "Мен тек жеке чатта жұмыс істеймін — сонда бастайық.",
  ru: "Я работаю только в личном чате — там и начнём.",
};
const TOAST = {
  kk: "Мен тек жеке чатта жұмыс істеймін: маған жеке хабарлама жазыңыз.",
  ru: "Я работаю только в личном чате: напишите мне в личные сообщения.",
};
const STALE = {
  kk: "Бұл батырма ескірді. Мәзірді ашу үшін /menu жіберіңіз.",
  ru: "Эта кнопка устарела. Чтобы открыть меню, отправьте /menu.",
};

type Sender = { user: number; language?: "kk" | "ru" } | "anonymous_admin" | "linked_channel";

describe.each(testDatabases)("groups and supergroups on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  let close: () => Promise<void>;
  let nextMessageId = 1;
  beforeAll(async () => {
    ({ database, emulator, h, close } = await openBot(kind));
  });
  afterAll(() => close());

  /** A message in a group as Telegram sends it; anonymous admins and linked channels come with sender_chat. */
  function groupText(
    chat: { id: number; type: "group" | "supergroup"; title: string },
    sender: Sender,
    text: string,
  ): Update {
    const cmd = /^\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?/.exec(text);
    const from =
      sender === "anonymous_admin"
        ? {
            from: { id: GROUP_ANONYMOUS_BOT, is_bot: true, first_name: "Group", username: "GroupAnonymousBot" },
            sender_chat: chat,
          }
        : sender === "linked_channel"
          ? {
              from: { id: CHANNEL_BOT, is_bot: true, first_name: "Channel", username: "Channel_Bot" },
              sender_chat: { id: chat.id - 1, type: "channel", title: "Ерікті жаңалықтары" },
              is_automatic_forward: true,
            }
          : {
              from: {
                id: sender.user,
                is_bot: false,
                first_name: "Айжан",
                last_name: "Секрет",
                username: "aizhan",
                language_code: sender.language,
              },
            };
    return emulator.pushUpdate({
      message: {
        message_id: nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat,
        ...from,
        text,
        ...(cmd ? { entities: [{ type: "bot_command", offset: 0, length: cmd[0].length }] } : {}),
      },
    } as never);
  }

  const callsSince = (seq: number) => emulator.calls.filter((c) => c.seq > seq && c.method !== "getUpdates");
  const answerOf = (update: Update) =>
    emulator.calls.find(
      (c) => c.method === "answerCallbackQuery" && c.params.callback_query_id === update.callback_query!.id,
    );

  for (const [type, chatId] of [
    ["group", -4_100_000_001],
    ["supergroup", -1_004_100_000_002],
  ] as const) {
    const chat = { id: chatId, type, title: `Волонтёры (${type})` };
    const a = type === "group" ? 9101 : 9201;
    const b = type === "group" ? 9102 : 9202;

    it(`a command in a ${type} gets one line with a button into the private chat, and nothing else`, async () => {
      emulator.addChat(chat);
      emulator.addUser({ id: a, first_name: "Айжан", language_code: "ru" });
      emulator.addUser({ id: b, first_name: "Бауыржан", language_code: "kk" });
      for (const [sender, language, command] of [
        [a, "ru", "/start"],
        [b, "kk", "/settings"],
        [a, "ru", `/hours@${emulator.botInfo.username}`],
      ] as const) {
        const seq = emulator.lastSeq();
        await h.send(() => groupText(chat, { user: sender, language }, command));
        const calls = callsSince(seq);
        expect(calls.map((c) => c.method)).toEqual(["sendMessage"]);
        expect(calls[0]!.params.chat_id).toBe(chatId);
        expect(calls[0]!.params.text).toBe(ONE_LINE[language]);
        expect(emulator.lastBotMessage(chatId)!.reply_markup).toEqual({
          inline_keyboard: [
            [
              {
                text: language === "kk" ? "Ботпен чатты ашу" : "Открыть чат с ботом",
                url: `https://t.me/${emulator.botInfo.username}?start=group`,
              },
            ],
          ],
        });
      }
      // Another bot's command and plain talk are not for us.
      const seq = emulator.lastSeq();
      await h.send(() => groupText(chat, { user: a, language: "ru" }, "/start@SomeOtherBot"));
      await h.send(() => groupText(chat, { user: b, language: "kk" }, "Сәлеметсіздер ме!"));
      expect(callsSince(seq)).toEqual([]);
      // Nothing personal was stored for group members: no user row, no conversation.
      expect(await findUser(database.db, a)).toBeUndefined();
      expect(await findUser(database.db, b)).toBeUndefined();
      expect(await database.db.select().from(conversationStates)).toEqual([]);
    });

    it(`B cannot answer A's onboarding in a ${type}, and /start there makes the bot answer nothing later`, async () => {
      await h.send(() => groupText(chat, { user: a, language: "ru" }, "/start"));
      const groupMessage = emulator.lastBotMessage(chatId)!.message_id;
      const seq = emulator.lastSeq();
      // Every later message of every member gets nothing (the bug: "choose a region above" to everyone).
      await h.send(() => groupText(chat, { user: b, language: "kk" }, "Алматы"));
      await h.send(() => groupText(chat, { user: a, language: "ru" }, "привет всем"));
      expect(callsSince(seq)).toEqual([]);
      // B's forged presses of onboarding buttons on the group's message: a toast, no state for anyone.
      for (const data of ["ob:r:astana", "ob:idone", "ob:consent:yes"]) {
        const press = await h.send(() => emulator.pressButton(b, groupMessage, data, chatId));
        expect(answerOf(press)?.params.text).toBe(TOAST.kk);
      }
      expect(await findUser(database.db, a)).toBeUndefined();
      expect(await database.db.select().from(conversationStates)).toEqual([]);
    });

    it(`/start and /settings from an anonymous admin or the linked channel in a ${type} never fail`, async () => {
      for (const command of ["/start", "/settings"]) {
        let seq = emulator.lastSeq();
        await h.send(() => groupText(chat, "anonymous_admin", command));
        expect(callsSince(seq).map((c) => [c.method, c.params.text])).toEqual([["sendMessage", ONE_LINE.kk]]);
        seq = emulator.lastSeq();
        await h.send(() => groupText(chat, "linked_channel", command));
        expect(callsSince(seq)).toEqual([]); // a channel's post in its discussion group: not a person asking
      }
      expect(await findUser(database.db, GROUP_ANONYMOUS_BOT)).toBeUndefined();
    });
  }

  it("a press without a message (inline message, inaccessible message) gets the out-of-date toast", async () => {
    emulator.addUser({ id: 9301, first_name: "Ерлан", language_code: "ru" });
    emulator.addUser({ id: 9302, first_name: "Дана", language_code: "kk" });
    for (const [user, language] of [
      [9301, "ru"],
      [9302, "kk"],
    ] as const) {
      for (const kind of ["inline", "inaccessible"] as const) {
        const seq = emulator.lastSeq();
        const press = await h.send(() => emulator.pressWithoutMessage(user, "m:settings", kind));
        expect(answerOf(press)?.params.text, kind).toBe(STALE[language]);
        expect(callsSince(seq).map((c) => c.method)).toEqual(["answerCallbackQuery"]);
      }
    }
  });
});
