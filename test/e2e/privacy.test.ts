import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { outbox, participations, volunteerBooks } from "../../src/db/schema";
import { findUser, touchUser } from "../../src/domain/users";
import { testDatabases } from "../support/db";
import type { BotApiEmulator, StoredMessage } from "../support/fake-telegram";
import { type Harness, openBot } from "../support/harness";
import { addCoordinator, fillPersonalData } from "../support/privacy-fixtures";

const buttons = (message: StoredMessage | undefined): string[] =>
  (message?.reply_markup?.inline_keyboard ?? []).flat().map((b: { callback_data: string }) => b.callback_data);

const TEXTS = {
  kk: {
    caption: "Бот сіз туралы сақтайтынның бәрі осы файлда (JSON). Аккаунтты жою: /deleteme.",
    confirmStart: "<b>Аккаунтты жоясыз ба?</b>",
    kept: "Жақсы, аккаунтыңыз өзгеріссіз қалады.",
    deleted: "Аккаунтыңыз жойылды. Бот сіз туралы енді ештеңе сақтамайды. Қайта бастау үшін /start жіберіңіз.",
    stale: "Бұл батырма ескірді. Мәзірді ашу үшін /menu жіберіңіз.",
    oneMoment: "Бір сәт күте тұрыңыз: алдыңғы сұрауыңыз әлі дайындалып жатыр.",
    tooOften: "Сұраулар тым жиі болып кетті — сәл кейінірек қайталап көріңіз.",
    revoked: "коды бар кітапша берілген, бірақ иесі оның күшін жойған",
    help: "/mydata — бот сіз туралы сақтайтынның бәрі, бір файлмен\n/deleteme — аккаунтты жою",
    startAgain: "1/4. Қай өңірде тұрасыз?",
    menu: [
      { command: "mydata", description: "Бот мен туралы не сақтайды (файл)" },
      { command: "deleteme", description: "Аккаунтымды жою" },
    ],
  },
  ru: {
    caption: "Всё, что бот хранит о вас, — в этом файле (JSON). Удалить аккаунт: /deleteme.",
    confirmStart: "<b>Удалить аккаунт?</b>",
    kept: "Хорошо, аккаунт остаётся как был.",
    deleted: "Аккаунт удалён. Бот больше ничего о вас не хранит. Чтобы начать заново, отправьте /start.",
    stale: "Эта кнопка устарела. Чтобы открыть меню, отправьте /menu.",
    oneMoment: "Секунду, пожалуйста: предыдущий запрос ещё готовится.",
    tooOften: "Слишком много запросов подряд — попробуйте чуть позже.",
    revoked: "была выдана, но её отозвал владелец",
    help: "/mydata — всё, что бот хранит о вас, одним файлом\n/deleteme — удалить аккаунт",
    startAgain: "1/4. В каком регионе вы живёте?",
    menu: [
      { command: "mydata", description: "Что бот хранит обо мне (файл)" },
      { command: "deleteme", description: "Удалить мой аккаунт" },
    ],
  },
} as const;

describe.each(testDatabases)("privacy rights end to end on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  let close: () => Promise<void>;
  let organizationId: number;
  const coordinator = 9_400_000_001;

  beforeAll(async () => {
    // No dispatcher: the promotion notice stays in the outbox where the test can see it.
    ({ database, emulator, h, close } = await openBot(kind, { delivery: false }));
    organizationId = await addCoordinator(database.db, coordinator);
  });
  afterAll(() => close());

  const last = (id: number) => emulator.lastBotMessage(id)!;
  const say = (id: number, text: string) => h.send(() => emulator.sendText(id, text));
  const press = (id: number, data: string, messageId = last(id).message_id) =>
    h.send(() => emulator.pressButton(id, messageId, data));
  const toast = (update: { callback_query?: { id: string } }) =>
    emulator.calls.find(
      (c) => c.method === "answerCallbackQuery" && c.params.callback_query_id === update.callback_query!.id,
    )?.params.text as string | undefined;

  const others: Record<string, { fullActionId: number; bookCode: string }> = {};

  async function person(id: number, language: "kk" | "ru", marker: string, waiting?: number) {
    emulator.addUser({ id, first_name: `${marker} First`, language_code: language });
    if (waiting !== undefined) {
      emulator.addUser({ id: waiting, first_name: "Күтуші", language_code: language });
      await touchUser(database.db, waiting, false);
    }
    return fillPersonalData(database.db, {
      id,
      marker,
      language,
      coordinator,
      organizationId,
      waiting,
      conversationState: false,
    });
  }

  for (const language of ["kk", "ru"] as const) {
    const text = TEXTS[language];
    const base = language === "kk" ? 9_400_000_100 : 9_400_000_200;

    it(`/mydata sends everything the bot holds about the person, and nothing about anyone else (${language})`, async () => {
      const id = base + 1;
      await person(id, language, `Mine${language}`);
      others[language] = await person(base + 2, language, `Other${language}`);
      await say(id, "/mydata");
      const message = last(id);
      expect(message.caption).toBe(text.caption);
      expect(message.document!.file_name).toBe(`erikti-mydata-${id}.json`);
      const raw = message.document!.data!.toString("utf8");
      expect(raw).toContain(`\n  "profile": {\n    "telegramId": ${id}`);
      expect(raw).not.toContain(`Other${language}`);
      expect(raw).not.toContain(String(base + 2));
      const data = JSON.parse(raw);
      expect(data.profile).toMatchObject({
        telegramId: id,
        firstName: `Mine${language} First`,
        language,
        regionCode: "almaty",
      });
      expect(data.hours.map((h: { note: string | null }) => h.note)).toContain(`Mine${language} note`);
      expect(data.hours.map((h: { organization: string | null }) => h.organization)).toContain(`Mine${language} Org`);
      expect(data.marathonDeeds).toMatchObject([
        { text: `Mine${language} deed`, photoFileId: `Mine${language}-photo` },
      ]);
      expect(data.volunteerBooks).toHaveLength(1);
      expect(data.participations.map((p: { status: string }) => p.status).sort()).toEqual(["joined", "joined", "left"]);
      expect(data.participations).toContainEqual(expect.objectContaining({ status: "left", leftFrom: "joined" }));
      expect(data.searchSession).toMatchObject({ category: "ecology", period: "week" });
      expect(data.messages).toContainEqual(
        expect.objectContaining({ toYou: true, content: { text: `Mine${language} waiting message` } }),
      );
      // A notice about the person in someone else's chat is theirs too (without that chat's id).
      expect(data.messages).toContainEqual(
        expect.objectContaining({ toYou: false, content: { text: `Mine${language} will come to the meeting` } }),
      );
      expect(data.conversation).toEqual({ inProgress: false, updatedAt: null, stored: null });
      expect(data.settings).toMatchObject({ reminder24h: true, reminder2h: true });

      // Twice in a row: the second waits.
      await say(id, "/mydata");
      expect(last(id).text).toBe(text.oneMoment);
    });

    it(`/help and the command menu name /mydata and /deleteme (${language})`, async () => {
      const id = base + 3;
      emulator.addUser({ id, first_name: "Help", language_code: language });
      await say(id, "/help");
      expect(last(id).text).toContain(text.help);
      // The public menus (a staff member's own, scope "chat", comes from the command-menu job).
      const menus = emulator.calls.filter((c) => c.method === "setMyCommands" && !c.params.scope);
      expect(menus).toHaveLength(3); // kk, ru, and both for every other language
      const described = menus.find((c) => c.params.language_code === language)!.params.commands as Array<{
        command: string;
        description: string;
      }>;
      expect(described.slice(-2)).toEqual(text.menu);
      for (const call of menus) {
        const names = (call.params.commands as Array<{ command: string }>).map((c) => c.command);
        expect(names.slice(-2)).toEqual(["mydata", "deleteme"]);
      }
    });

    it(`/deleteme then "Keep" changes nothing (${language})`, async () => {
      const id = base + 1;
      await say(id, "/deleteme");
      expect(last(id).text!.startsWith(text.confirmStart)).toBe(true);
      const [confirm, keep] = buttons(last(id));
      expect(confirm).toMatch(new RegExp(`^pv:del:${id}:[0-9a-z]+$`));
      expect(keep).toBe("pv:keep");
      await press(id, "pv:keep");
      expect(last(id).text).toBe(text.kept);
      expect(buttons(last(id))).toEqual([]);
      expect((await findUser(database.db, id))!.firstName).toBe(`Mine${language} First`);
    });

    it(`a forged or old "Delete" button deletes nothing (${language})`, async () => {
      const victim = base + 1;
      const attacker = base + 2;
      await say(attacker, "/deleteme");
      const victimAccount = (await findUser(database.db, victim))!.createdAt.getTime().toString(36);
      expect(toast(await press(attacker, `pv:del:${victim}:${victimAccount}`))).toBe(text.stale);
      expect(toast(await press(attacker, `pv:del:${attacker}:1`))).toBe(text.stale); // another account
      expect(toast(await press(attacker, `pv:del:${attacker}`))).toBe(text.stale); // malformed
      // An old confirmation (its message sent 20 minutes ago) is stale too.
      const old = last(attacker);
      emulator.message(attacker, old.message_id)!.date -= 20 * 60; // the fake keeps what Telegram would send
      expect(toast(await press(attacker, buttons(old)[0]!, old.message_id))).toBe(text.stale);
      expect(await findUser(database.db, victim)).toBeDefined();
      expect(await findUser(database.db, attacker)).toBeDefined();
    });

    it(`the volunteer book button is rate-limited per user with a localized "one moment" (${language})`, async () => {
      const id = base + 2;
      await say(id, "/hours");
      await press(id, "h:book");
      const menu = last(id).message_id;
      const before = emulator.botMessages(id).length;
      await press(id, "h:bp:all", menu);
      expect(emulator.botMessages(id).length).toBe(before + 2); // PDF and CSV
      const second = await press(id, "h:bp:all", menu);
      expect(toast(second)).toBe(text.oneMoment);
      expect(emulator.botMessages(id).length).toBe(before + 2);
      // Pressed twice, one book: the same entries keep their code.
      expect(await database.db.select().from(volunteerBooks).where(eq(volunteerBooks.userId, id))).toHaveLength(1);

      // The calendar file: two in a row, then "too often".
      const { fullActionId, bookCode } = others[language]!;
      for (let i = 0; i < 2; i++) {
        await press(id, `a:c:${fullActionId}`, menu);
        expect(last(id).document!.file_name).toBe(`erikti-${fullActionId}.ics`);
      }
      expect(toast(await press(id, `a:c:${fullActionId}`, menu))).toBe(text.tooOften);

      // /verify: five lookups a minute, then "too often" (guessing codes is slowed down), by command or deep link.
      for (let i = 0; i < 5; i++) {
        await say(id, `/verify ${bookCode}`);
        expect(last(id).text).toContain(bookCode);
      }
      await say(id, `/verify ${bookCode}`);
      expect(last(id).text).toBe(text.tooOften);
      await say(id, `/start v_${bookCode}`);
      expect(last(id).text).toBe(text.tooOften);
    });

    it(`/deleteme then "Delete" erases the account, promotes the waitlist and revokes the book (${language})`, async () => {
      const id = base + 4;
      const waiting = base + 5;
      const { fullActionId, bookCode } = await person(id, language, `Gone${language}`, waiting);
      await say(id, "/deleteme");
      const [confirm] = buttons(last(id));
      await press(id, confirm!);
      expect(last(id).text).toBe(text.deleted);
      expect(buttons(last(id))).toEqual([]);
      // The person was an organizer (the fixture): their chat's own command menu goes too.
      const reset = emulator.calls.filter(
        (c) => c.method === "deleteMyCommands" && Number((c.params.scope as { chat_id?: unknown }).chat_id) === id,
      );
      expect(reset).toHaveLength(1);

      expect(await findUser(database.db, id)).toBeUndefined();
      expect(await database.db.select().from(participations).where(eq(participations.userId, id))).toEqual([]);
      expect(await database.db.select().from(outbox).where(eq(outbox.chatId, id))).toEqual([]);
      const [promoted] = await database.db.select().from(participations).where(eq(participations.userId, waiting));
      expect(promoted).toMatchObject({ actionId: fullActionId, status: "joined" });
      const notices = await database.db.select().from(outbox).where(eq(outbox.chatId, waiting));
      expect(notices.map((n) => (n.payload as { template: string }).template)).toEqual(["actions.promoted_notice"]);

      // Blocking the bot afterwards is not using it: no account comes back for it.
      await h.send(() =>
        emulator.pushUpdate({
          my_chat_member: {
            chat: { id, type: "private", first_name: `Gone${language}` },
            from: { id, is_bot: false, first_name: `Gone${language}` },
            date: Math.floor(Date.now() / 1000),
            old_chat_member: {
              status: "member",
              user: { id: emulator.botInfo.id, is_bot: true, first_name: "Erikti" },
            },
            new_chat_member: {
              status: "kicked",
              until_date: 0,
              user: { id: emulator.botInfo.id, is_bot: true, first_name: "Erikti" },
            },
          },
        }),
      );
      expect(await findUser(database.db, id)).toBeUndefined();

      // Anyone checking the book is told it was revoked, not who held it.
      await say(base + 3, `/verify ${bookCode}`);
      expect(last(base + 3).text).toContain(text.revoked);
      expect(last(base + 3).text).not.toContain(`Gone${language}`);

      // The old button again: it named the deleted account, so it does nothing to the one this press makes.
      expect(toast(await press(id, confirm!))).toBe(text.stale);
      expect(await findUser(database.db, id)).toMatchObject({ onboardedAt: null, firstName: null });

      // /start makes a brand-new user, sent through onboarding.
      await say(id, "/start");
      const fresh = await findUser(database.db, id);
      expect(fresh).toMatchObject({ id, onboardedAt: null, consentAt: null, firstName: null });
      expect(last(id).text).toContain(text.startAgain);
    });
  }
});
