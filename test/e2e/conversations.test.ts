import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { conversationStates, hourEntries, marathonParticipants, marathons } from "../../src/db/schema";
import { forgetExpiredConversations } from "../../src/domain/conversation-state";
import { localDay } from "../../src/domain/hours";
import { joinMarathon } from "../../src/domain/marathons";
import { findUser } from "../../src/domain/users";
import { testDatabases } from "../support/db";
import { addAction, addParticipants } from "../support/delivery-fixtures";
import type { BotApiEmulator } from "../support/fake-telegram";
import { type Harness, openBot } from "../support/harness";
import { onboardUser } from "../support/users";

const HOUR = 3_600_000;
const DROPPED = {
  onboarding: { kk: "Тіркеу тоқтатылды, жауаптар сақталмады.", ru: "Регистрация прервана, ответы не сохранены." },
  hoursLog: {
    kk: "Сағаттарды белгілеу тоқтатылды, енгізілгендер сақталмады.",
    ru: "Отметка часов прервана, введённое не сохранено.",
  },
  deed: {
    kk: "Игі іс туралы есеп тоқтатылды, енгізілгендер сақталмады.",
    ru: "Отчёт о добром деле прерван, введённое не сохранено.",
  },
};
const OUTDATED = {
  kk: "Бот жаңартылды, сондықтан басталған диалогты тоқтатуға тура келді. Оны қайта бастаңыз.",
  ru: "Бот обновился, поэтому начатый диалог пришлось прервать. Начните его заново, пожалуйста.",
};
const PROFILE_FIRST = {
  kk: "Алдымен профиліңізді толтырыңыз — бір минут қана алады.",
  ru: "Сначала заполните профиль — это займёт минуту.",
};

describe.each(testDatabases)("conversations that never trap a user on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  let close: () => Promise<void>;
  let marathonId: number;
  beforeAll(async () => {
    ({ database, emulator, h, close } = await openBot(kind));
    const [row] = await database.db
      .insert(marathons)
      .values({
        code: "conv",
        titleKk: "Игі істер",
        titleRu: "Добрые дела",
        regionCode: null,
        startsAt: new Date(Date.now() - 24 * HOUR),
        endsAt: new Date(Date.now() + 240 * HOUR),
      })
      .returning({ id: marathons.id });
    marathonId = row!.id;
  });
  afterAll(() => close());

  const t = (language: "kk" | "ru") => h.app.deps.i18n.t(language);
  const last = (id: number) => emulator.lastBotMessage(id)!;
  const texts = (id: number) => emulator.botMessages(id).map((m) => m.text);
  const say = (id: number, text: string) => h.send(() => emulator.sendText(id, text));
  const press = (id: number, data: string, messageId = last(id).message_id) =>
    h.send(() => emulator.pressButton(id, messageId, data));
  const toast = (update: { callback_query?: { id: string } }) =>
    emulator.calls.find(
      (c) => c.method === "answerCallbackQuery" && c.params.callback_query_id === update.callback_query!.id,
    )?.params.text;
  const stateOf = async (id: number) =>
    (
      await database.db
        .select()
        .from(conversationStates)
        .where(eq(conversationStates.key, String(id)))
    )[0];
  const stateBytes = async (id: number) =>
    Number(
      (
        await database.db
          .select({ n: sql<number>`octet_length(${conversationStates.state}::text)` })
          .from(conversationStates)
          .where(eq(conversationStates.key, String(id)))
      )[0]?.n ?? 0,
    );
  const onboarded = (id: number, language: "kk" | "ru") =>
    onboardUser(database.db, emulator, id, { language, consent: true });

  /** An onboarded user inside the hours log, who has typed an organization (the category question is open). */
  async function inHoursLog(id: number, language: "kk" | "ru", organization = "Қамқор қоры"): Promise<void> {
    await onboarded(id, language);
    await say(id, "/hours");
    await press(id, "h:log");
    await say(id, organization);
    expect(
      last(id)
        .reply_markup.inline_keyboard.flat()
        .map((b: { callback_data: string }) => b.callback_data),
    ).toContain("hl:cskip");
  }

  for (const language of ["kk", "ru"] as const) {
    const base = language === "kk" ? 8_800_000 : 8_900_000;

    it(`every command leaves a conversation, says what was dropped, and does what it says (${language})`, async () => {
      // Onboarding with a region chosen, then /help.
      const newcomer = base + 1;
      emulator.addUser({ id: newcomer, first_name: "Әлия", language_code: language });
      await say(newcomer, "/start");
      await press(newcomer, "ob:r:almaty", emulator.botMessages(newcomer)[1]!.message_id);
      await say(newcomer, "/help");
      expect(texts(newcomer).slice(-2)).toEqual([DROPPED.onboarding[language], t(language)("help.text")]);
      expect(await stateOf(newcomer)).toBeUndefined();

      // Nothing answered yet: no line about dropping, just the menu.
      const fresh = base + 2;
      emulator.addUser({ id: fresh, first_name: "Ерлан", language_code: language });
      await say(fresh, "/start");
      const before = texts(fresh).length;
      await say(fresh, "/menu");
      expect(texts(fresh).slice(before)).toEqual([t(language)("menu.title")]);

      // The hours log, then /menu.
      const volunteer = base + 3;
      await inHoursLog(volunteer, language);
      await say(volunteer, "/menu");
      expect(texts(volunteer).slice(-2)).toEqual([DROPPED.hoursLog[language], t(language)("menu.title")]);

      // A deed report, then /hours.
      const runner = base + 4;
      await onboarded(runner, language);
      await joinMarathon(database.db, marathonId, runner);
      await say(runner, "/menu");
      await press(runner, `mr:d:${marathonId}`);
      await say(runner, "Көршіге көмектестім");
      await say(runner, "/hours");
      expect(texts(runner).at(-2)).toBe(DROPPED.deed[language]);
      expect(
        last(runner)
          .reply_markup.inline_keyboard.flat()
          .map((b: { callback_data: string }) => b.callback_data),
      ).toContain("h:log");
      expect(await stateOf(runner)).toBeUndefined();
    });

    it(`a reminder's button from an earlier message leaves the hours log and is processed (${language})`, async () => {
      const id = base + 5;
      await onboarded(id, language);
      const action = await addAction(database.db, {
        title: "Сенбілік",
        startsAt: new Date(Date.now() + 20 * HOUR),
        capacity: 5,
      });
      await addParticipants(database.db, action, [id], { joinedAt: new Date(Date.now() - 48 * HOUR) });
      await say(id, "/menu");
      const earlier = last(id).message_id;
      await press(id, "m:hours");
      await press(id, "h:log");
      await say(id, "Жасыл ел");
      const coming = await press(id, `rem:yes:${action}`, earlier);
      expect(toast(coming)).toBeUndefined();
      expect(texts(id).slice(-2)).toEqual([
        DROPPED.hoursLog[language],
        t(language)("reminders.coming_ok", { title: "Сенбілік" }),
      ]);
      // A menu button of another message leaves it too (nothing answered this time: no line).
      await press(id, "h:log", earlier); // (m:hours turned the menu message into the hours screen)
      const before = texts(id).length;
      await press(id, "m:settings", earlier);
      expect(texts(id).slice(before)).toEqual([]); // the settings screen replaced the pressed message; no line
      expect(await stateOf(id)).toBeUndefined();
    });

    it(`a conversation silent for a day is over, and the hourly sweep deletes its state (${language})`, async () => {
      const id = base + 6;
      await inHoursLog(id, language);
      await database.db
        .update(conversationStates)
        .set({ updatedAt: new Date(Date.now() - 25 * HOUR) })
        .where(eq(conversationStates.key, String(id)));
      await say(id, "Тағы бір мәтін");
      expect(last(id).text).toBe(t(language)("common.unknown_text")); // not taken as an answer any more
      expect(await stateOf(id)).toBeUndefined();

      const other = base + 7;
      await inHoursLog(other, language);
      await forgetExpiredConversations(database.db, new Date(Date.now() + 23 * HOUR));
      expect(await stateOf(other)).toBeDefined();
      await forgetExpiredConversations(database.db, new Date(Date.now() + 25 * HOUR));
      expect(await stateOf(other)).toBeUndefined();
    });

    it(`a deploy that changes a conversation drops its old state with a polite line (${language})`, async () => {
      const id = base + 8;
      await inHoursLog(id, language);
      await database.db
        .update(conversationStates)
        .set({ state: sql`jsonb_set(${conversationStates.state}, '{versions,hoursLog}', '1')` })
        .where(eq(conversationStates.key, String(id)));
      await say(id, "Жаңа мәтін");
      expect(texts(id).slice(-2)).toEqual([OUTDATED[language], t(language)("common.unknown_text")]);
      expect(await stateOf(id)).toBeUndefined();
    });
  }

  it("stores no names, username or language in the conversation state, consent or not", async () => {
    const id = 8_700_001;
    emulator.addUser({
      id,
      first_name: "Айжан",
      last_name: "Секретова",
      username: "secret_aizhan",
      language_code: "ru",
    });
    await say(id, "/start");
    await press(id, "ob:r:almaty", emulator.botMessages(id)[1]!.message_id);
    const stored = JSON.stringify((await stateOf(id))!.state);
    expect(stored).toContain("update_id");
    for (const secret of [
      "Айжан",
      "Секретова",
      "secret_aizhan",
      "first_name",
      "last_name",
      "username",
      "language_code",
      "Здравствуйте",
    ]) {
      expect(stored, secret).not.toContain(secret);
    }
    await press(id, "ob:idone");
    await press(id, "ob:consent:no");
    expect(await stateOf(id)).toBeUndefined(); // the conversation ended: its state is gone
    expect(await findUser(database.db, id)).toMatchObject({ firstName: null, lastName: null, username: null });
  });

  // Once, on the last database kind (PostgreSQL when there is one): the replies, paced at Telegram's rate like every
  // reply, take over half a minute, and the storage code is the same for both kinds.
  const lastKind = kind.name === testDatabases.at(-1)!.name;
  it.runIf(lastKind)(
    "1,000 refused answers keep the stored state small and the step still works",
    async () => {
      const id = 8_700_002;
      await inHoursLog(id, "ru");
      await press(id, "hl:cskip");
      await press(id, `hl:d:${localDay(new Date())}`);
      expect(last(id).text).toBe(t("ru")("hours.log_hours_prompt"));
      await say(id, "много");
      const afterOne = await stateBytes(id);
      for (let i = 0; i < 1_000; i++) await say(id, `много ${i}`);
      expect(last(id).text).toBe(t("ru")("hours.log_hours_hint"));
      const afterThousand = await stateBytes(id);
      expect(afterThousand).toBe(afterOne); // refused answers are not kept in the replay log
      expect(afterThousand).toBeLessThan(6_000);
      await say(id, "2");
      expect(last(id).text).toBe(t("ru")("hours.log_note_prompt", { max: 500 }));
    },
    120_000,
  );

  it("toggling interests any number of times keeps the stored state small", async () => {
    const id = 8_700_007;
    emulator.addUser({ id, first_name: "Дәурен", language_code: "kk" });
    await say(id, "/start");
    await press(id, "ob:r:almaty", emulator.botMessages(id)[1]!.message_id);
    const interests = last(id).message_id;
    await press(id, "ob:i:ecology", interests);
    const afterOne = await stateBytes(id);
    for (let i = 0; i < 100; i++) await press(id, i % 2 ? "ob:i:sport" : "ob:i:animals", interests);
    expect(await stateBytes(id)).toBe(afterOne);
    await press(id, "ob:idone", interests);
    await press(id, "ob:consent:no");
    expect((await findUser(database.db, id))!.interests).toEqual([]); // with consent declined, nothing is kept
    expect(emulator.botMessages(id).map((m) => m.text)).toContain(
      t("kk")("onboarding.interests_chosen", { list: t("kk")("categories.ecology") }),
    );
  }, 60_000);

  it("NUL and direction overrides are stripped, invisible names and organizations refused", async () => {
    const id = 8_700_003;
    await onboarded(id, "ru");
    await say(id, "/hours");
    await press(id, "h:log");
    await say(id, "\u200b\u200d\u202e"); // nothing visible
    expect(last(id).text).toBe(t("ru")("hours.log_org_hint", { max: 120 }));
    await say(id, "Фонд\u0000\u202e Добро");
    await press(id, "hl:cskip");
    await press(id, `hl:d:${localDay(new Date())}`);
    await say(id, "3");
    await say(id, "Убирали\u0000 парк");
    const [entry] = await database.db.select().from(hourEntries).where(eq(hourEntries.userId, id));
    expect(entry).toMatchObject({ organizationName: "Фонд Добро", note: "Убирали парк", hours: 3 });

    // A first name of zero-width characters only: the greeting has no dangling name.
    const invisible = 8_700_004;
    emulator.addUser({ id: invisible, first_name: "\u200b\u2063\u202e", language_code: "ru" });
    await say(invisible, "/start");
    expect(emulator.botMessages(invisible)[0]!.text).toBe(t("ru")("onboarding.welcome_no_name"));
  });

  it("an edit Telegram refuses falls back to a new message: one answer, no apology", async () => {
    const id = 8_700_005;
    await onboarded(id, "kk");
    await say(id, "/settings");
    const screen = last(id).message_id;
    h.allowRejected("message to edit not found");
    const pause = await h.send(() => {
      const update = emulator.pressButton(id, screen, "s:pause");
      emulator.removeMessage(id, screen); // the user deleted the message meanwhile
      return update;
    });
    const refused = h.takeRejections();
    expect(refused.map((c) => [c.method, c.error?.description])).toEqual([
      ["editMessageText", "Bad Request: message to edit not found"],
    ]);
    const answers = emulator.calls.filter(
      (c) => c.method === "answerCallbackQuery" && c.params.callback_query_id === pause.callback_query!.id,
    );
    expect(answers.map((c) => c.params.text)).toEqual([t("kk")("settings.paused")]);
    expect(last(id).message_id).not.toBe(screen);
    expect(last(id).text).toMatch(/^<b>Баптаулар<\/b>\n[\s\S]*\nҚатысу: уақытша тоқтатылған \(/);
    expect(texts(id)).not.toContain(t("kk")("common.apology"));
  });

  it("onboarding cannot be skipped into a feature that needs a region (/cancel, then consent in the settings)", async () => {
    const id = 8_700_006;
    emulator.addUser({ id, first_name: "Марат", language_code: "ru" });
    await say(id, "/start");
    await say(id, "/cancel");
    await say(id, "/settings");
    await press(id, "s:consent");
    await press(id, "s:cg");
    expect((await findUser(database.db, id))!.consentAt).not.toBeNull();
    await say(id, "/marathons");
    await press(id, `mr:o:${marathonId}`);
    await press(id, `mr:j:${marathonId}`);
    const after = texts(id);
    const note = after.lastIndexOf(PROFILE_FIRST.ru);
    expect(note).toBeGreaterThan(0);
    expect(after.slice(note + 1, note + 3)).toEqual([
      t("ru")("onboarding.welcome", { name: "Марат" }),
      t("ru")("onboarding.region_prompt"),
    ]);
    expect(await database.db.select().from(marathonParticipants).where(eq(marathonParticipants.userId, id))).toEqual(
      [],
    );
  });
});
