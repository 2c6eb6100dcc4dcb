import { describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { findUser } from "../../src/domain/users";
import { testDatabases } from "../support/db";
import { buttonData, chatWith, localized } from "../support/chat";
import { type BotApiEmulator, parseTelegramHtml } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";

const TRICKY_NAME = '<b>Ayan & "Co"</b>';

describe.each(testDatabases)("onboarding end to end on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  const bot = useBot(kind, { env: { ADMIN_IDS: "9001" } }, (opened) => ({ database, emulator, h } = opened));
  const { last, say, press, toast } = chatWith(() => h);

  it("registers the command menu for kk, ru and the default", () => {
    // The public menus (staff menus of single chats, scope "chat", come from the command-menu job).
    const commands = h.emulator.calls.filter((c) => c.method === "setMyCommands" && c.ok && !c.params.scope);
    expect(commands.map((c) => c.params.language_code ?? "default").sort()).toEqual(["default", "kk", "ru"]);
  });

  it("onboards a Kazakh speaker with a tricky name, with consent and location", async () => {
    const id = 5_000_000_101;
    h.emulator.addUser({ id, first_name: TRICKY_NAME, language_code: "kk" });
    await say(id, "/start");
    const sent = h.emulator.botMessages(id);
    expect(sent[0]!.text).toContain("Сәлеметсіз бе");
    expect(sent[0]!.text).toContain("<b>&lt;b&gt;Ayan &amp; &quot;Co&quot;&lt;/b&gt;</b>");
    expect(parseTelegramHtml(sent[0]!.text!).text).toContain(`${TRICKY_NAME}!`); // shown literally, not as markup
    expect(sent[1]!.text).toContain("Қай өңірде");
    expect(buttonData(sent[1])).toHaveLength(20);

    await press(id, "ob:r:almaty");
    expect(h.emulator.botMessages(id)[1]!.text).toBe("Өңір: <b>Алматы</b>");
    expect(last(id).text).toContain("Сізге қай бағыттар қызық");
    const interests = last(id).message_id;
    await press(id, "ob:i:ecology", interests);
    await press(id, "ob:i:animals", interests);
    await press(id, "ob:i:health", interests);
    await press(id, "ob:i:health", interests); // toggled off again
    expect(buttonData(last(id))).toContain("ob:idone");
    expect(last(id).reply_markup.inline_keyboard.flat()[0].text).toMatch(/^✅ Экология/);
    await press(id, "ob:idone", interests);
    expect(last(id).text).toContain("Дербес деректерді өңдеуге келісім");
    await press(id, "ob:consent:yes");
    expect(last(id).text).toContain("орналасқан жеріңізбен бөлісесіз бе");
    expect(last(id).reply_markup.keyboard[0][0]).toMatchObject({ request_location: true });
    await h.send(() => h.emulator.sendLocation(id, 43.25, 76.95));

    const messages = h.emulator.botMessages(id);
    expect(messages.at(-2)!.text).toContain("Бәрі дайын");
    expect(messages.at(-2)!.reply_markup).toEqual({ remove_keyboard: true });
    expect(last(id).text).toContain("Басты мәзір");
    expect(await findUser(database.db, id)).toMatchObject({
      language: "kk",
      firstName: TRICKY_NAME,
      regionCode: "almaty",
      interests: ["ecology", "animals"],
      latitude: 43.25,
      longitude: 76.95,
      role: "volunteer",
    });

    // A returning user gets the menu, not the questions again.
    await say(id, "/start");
    expect(last(id).text).toContain("Қайта қош келдіңіз");
    expect(buttonData(last(id))).toContain("m:settings");
  });

  it("onboards a Russian speaker who declines consent: nothing personal is stored", async () => {
    const id = 5_000_000_102;
    h.emulator.addUser({ id, first_name: "Дана", username: "dana", language_code: "ru" });
    await say(id, "/start");
    expect(h.emulator.botMessages(id)[0]!.text).toContain("Здравствуйте, <b>Дана</b>");
    await press(id, "ob:r:astana");
    await press(id, "ob:i:education");
    await press(id, "ob:idone");
    expect(last(id).text).toContain("Согласие на обработку персональных данных");
    await press(id, "ob:consent:no");
    const texts = h.emulator.botMessages(id).map((m) => m.text ?? "");
    expect(texts.some((t) => t.includes("местоположением"))).toBe(false);
    expect(texts.at(-2)).toContain("Всё готово");
    expect(texts.at(-1)).toContain("Главное меню");
    expect(await findUser(database.db, id)).toMatchObject({
      language: "ru",
      firstName: null,
      username: null,
      regionCode: null,
      interests: [],
      consentAt: null,
    });
  });

  it("asks the language when Telegram's is neither kk nor ru", async () => {
    const id = 5_000_000_103;
    h.emulator.addUser({ id, first_name: "John", language_code: "en" });
    await say(id, "/start");
    expect(last(id).text).toBe("Тілді таңдаңыз:\nВыберите язык:");
    expect(buttonData(last(id))).toEqual(["lang:kk", "lang:ru"]);
    await press(id, "lang:ru");
    expect(h.emulator.botMessages(id)[0]!.text).toBe("Язык: русский ✅");
    expect(last(id).text).toContain("В каком регионе");
    expect((await findUser(database.db, id))!.language).toBe("ru");
  });

  it("/cancel leaves the conversation; old buttons then say they are out of date", async () => {
    const id = 5_000_000_104;
    h.emulator.addUser({ id, first_name: "Алия", language_code: "kk" });
    await say(id, "/start");
    const regionMessage = last(id).message_id;
    await h.send(() => h.emulator.sendSticker(id)); // (a command would leave the conversation: conversations.test.ts)
    expect(last(id).text).toContain("Өңіріңізді жоғарыдағы батырмалардан таңдаңыз");
    await say(id, "/cancel");
    expect(last(id).text).toContain("Тіркеу тоқтатылды");
    const stale = await press(id, "ob:r:almaty", regionMessage);
    expect(toast(stale)).toBe(await localized("kk", "common.stale_button"));
    expect((await findUser(database.db, id))!.onboardedAt).toBeNull();
    await say(id, "сәлем");
    expect(last(id).text).toContain("Алдымен /start");
    await say(id, "/cancel");
    expect(last(id).text).toContain("Тоқтататын ештеңе жоқ");
  });

  it("a wrong-step button inside the conversation gets a toast and the flow goes on", async () => {
    const id = 5_000_000_105;
    h.emulator.addUser({ id, first_name: "Ерлан", language_code: "ru" });
    await say(id, "/start");
    const regionMessage = last(id).message_id;
    await press(id, "ob:r:nowhere", regionMessage); // tampered region code
    await press(id, "ob:r:shymkent", regionMessage);
    await press(id, "ob:r:almaty", regionMessage); // region step is over: stale
    const toasts = h.emulator.calls.filter((c) => c.method === "answerCallbackQuery").map((c) => c.params.text);
    expect(toasts.filter((t) => t === "Эта кнопка устарела. Чтобы открыть меню, отправьте /menu.")).toHaveLength(2);
    await say(id, "текст");
    expect(last(id).text).toContain("Отметьте направления кнопками выше");
  });

  it("resumes a conversation after a restart (state is in the database)", async () => {
    const id = 5_000_000_106;
    h.emulator.addUser({ id, first_name: "Марат", language_code: "ru" });
    await say(id, "/start");
    await press(id, "ob:r:karaganda");
    const interests = last(id).message_id;
    h = await bot.restart(); // a new bot process on the same database and chat
    await press(id, "ob:i:sport", interests);
    await press(id, "ob:idone", interests);
    expect(emulator.lastBotMessage(id)!.text).toContain("Согласие на обработку персональных данных");
    expect(emulator.botMessages(id).map((m) => m.text)).toContain("Интересы: Спорт и мероприятия");
  });

  it("makes ADMIN_IDS national admins", async () => {
    h.emulator.addUser({ id: 9001, first_name: "Админ", language_code: "kk" });
    await say(9001, "/start");
    expect((await findUser(database.db, 9001))!.role).toBe("admin");
  });
});
