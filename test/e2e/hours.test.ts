import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { actions, hourEntries, organizations, participations, users, volunteerBooks } from "../../src/db/schema";
import { creditAttendance, decideHours, localDay, shiftDay } from "../../src/domain/hours";
import { findUser } from "../../src/domain/users";
import { testDatabases } from "../support/db";
import { onboardUser } from "../support/users";
import { buttonData as buttons, chatWith, localized } from "../support/chat";
import { type BotApiEmulator, parseTelegramHtml } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";

const TRICKY_NAME = '<b>Ayan & "Co"</b>';
/** The full name as in an ID, typed before the first book (Telegram's first name is TRICKY_NAME). */
const FULL_NAME = "Сейітқызы Әлия-Гүл O'Brien";
const ATTENDED_TITLE = "Тазалық <акциясы> & «Жасыл ел»";
const REPORTED_TITLE = "Кітап <оқу> & сабақ";
const ORGANIZATION = "Жасыл Ел & <Co>";
const DAY = 24 * 3_600_000;

const dotted = (day: string) => day.split("-").reverse().join(".");

const TEXTS = {
  kk: {
    confirmed: "Расталған",
    empty: "Әзірге мұнда ештеңе жоқ",
    sourcePrompt: "Қай жерде көмектестіңіз",
    datePrompt: "Бұл қашан болды",
    dateHint: "Күнді түсіне алмадым",
    future: "әлі келген жоқ",
    tooOld: "соңғы бір жыл ішіндегі",
    hoursPrompt: "Неше сағат",
    hoursHint: "0,5-тен 24-ке дейінгі сан керек",
    limit: "ең көбі 21,5 сағат қалды",
    notePrompt: "қысқаша жазыңыз",
    noteHint: "Түсініктеме — 500 таңбаға дейінгі мәтін",
    saved: "Жазылды",
    orgPrompt: "Ұйымның атауын жазыңыз",
    orgHint: "Ұйымның атауын мәтінмен жіберіңіз",
    categoryPrompt: "Бұл қай бағыт",
    sourceHint: "Жоғарыдан акцияны таңдаңыз",
    pendingTotal: "Растауды күтуде: 24 сағат",
    confirmedTotal: "Расталған: <b>3 сағат</b>",
    byCategory: "Бағыттар бойынша",
    bookPrompt: "Қай кезеңге",
    csvHeader: "Күні;Ұйым;Акция атауы;Бағыт;Сағат",
    total: "Расталған сағаттар жиыны",
    ecology: "Экология («Таза Қазақстан»)",
    education: "Білім беру",
    verified: "Ерікті кітапшасы — түпнұсқа",
    unknown: "табылмады",
    usage: "Кітапша кодын былай жіберіңіз",
    consent: "келісім қажет",
    noHours: "расталған сағаттар жоқ",
    cancelled: "Тоқтатылды",
  },
  ru: {
    confirmed: "Подтверждено",
    empty: "Пока здесь пусто",
    sourcePrompt: "Где вы помогали",
    datePrompt: "Когда это было",
    dateHint: "Не получилось понять дату",
    future: "ещё не наступил",
    tooOld: "за последний год",
    hoursPrompt: "Сколько часов",
    hoursHint: "Нужно число от 0,5 до 24",
    limit: "осталось не больше 21,5 часа",
    notePrompt: "Коротко опишите",
    noteHint: "Заметка — это текст до 500 символов",
    saved: "Записано",
    orgPrompt: "Напишите название организации",
    orgHint: "Пришлите название организации текстом",
    categoryPrompt: "Какое это направление",
    sourceHint: "Нажмите одну из кнопок выше",
    pendingTotal: "Ждёт подтверждения: 24 часа",
    confirmedTotal: "Подтверждено: <b>3 часа</b>",
    byCategory: "По направлениям",
    bookPrompt: "За какой период",
    csvHeader: "Дата;Организация;Название акции;Направление;Часы",
    total: "Итого подтверждено",
    ecology: "Экология («Таза Қазақстан»)",
    education: "Образование",
    verified: "Волонтёрская книжка подлинная",
    unknown: "не найдена",
    usage: "Отправьте код книжки так",
    consent: "нужно согласие",
    noHours: "подтверждённых часов нет",
    cancelled: "Отменено",
  },
} as const;

describe.each(testDatabases)("hours and the volunteer book end to end on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  const organizer = 8_200_000_001;
  const users_ = { kk: 8_200_000_011, ru: 8_200_000_012 } as const;
  const attended: Record<string, number> = {};
  const reported: Record<string, number> = {};
  const codes: Record<string, string> = {};
  const today = localDay(new Date());

  const onboarded = (id: number, language: "kk" | "ru", consent: boolean, firstName = TRICKY_NAME) =>
    onboardUser(database.db, emulator, id, { language, consent, firstName });

  async function pastAction(title: string, daysAgo: number, hours: number, category: string, orgId: number) {
    const startsAt = new Date(Date.now() - daysAgo * DAY);
    const [row] = await database.db
      .insert(actions)
      .values({
        organizationId: orgId,
        titleRu: title,
        category,
        regionCode: "almaty",
        latitude: 43.25,
        longitude: 76.95,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3_600_000),
        capacity: 20,
        hours,
        createdBy: organizer,
      })
      .returning({ id: actions.id });
    return row!.id;
  }

  // No dispatcher: decision notices (tested in test/db) would otherwise arrive mid-flow in the daytime.
  useBot(kind, { delivery: false }, (bot) => ({ database, emulator, h } = bot));
  const { last, say, press, toast } = chatWith(() => h);

  beforeAll(async () => {
    await onboarded(organizer, "ru", true, "Организатор");
    await database.db.update(users).set({ role: "organizer" }).where(eq(users.id, organizer));
    const [org] = await database.db
      .insert(organizations)
      .values({ status: "approved", nameRu: ORGANIZATION, ownerId: organizer })
      .returning();
    for (const language of ["kk", "ru"] as const) {
      const id = users_[language];
      await onboarded(id, language, true);
      attended[language] = await pastAction(ATTENDED_TITLE, 2, 3, "ecology", org!.id);
      reported[language] = await pastAction(REPORTED_TITLE, 1, 2, "education", org!.id);
      await database.db.insert(participations).values([
        { actionId: attended[language]!, userId: id, status: "joined" },
        { actionId: reported[language]!, userId: id, status: "joined" },
      ]);
      await creditAttendance(database.db, { actionId: attended[language]!, userId: id, organizerId: organizer });
    }
  });

  for (const language of ["kk", "ru"] as const) {
    const text = TEXTS[language];

    it(`logs hours through the conversation, with hints for every bad input (${language})`, async () => {
      const id = users_[language];
      await say(id, "/hours");
      expect(last(id).text).toContain(text.confirmedTotal);
      expect(buttons(last(id))).toEqual(["h:log", "h:book", "m:home"]);

      // 1. A past joined action (the attended one is already in the hours, so it is not offered)
      await press(id, "h:log");
      expect(last(id).text).toContain(text.sourcePrompt);
      expect(buttons(last(id))).toEqual([`hl:a:${reported[language]}`, "hl:org"]);
      const sourceMessage = last(id).message_id;
      expect(last(id).reply_markup.inline_keyboard[0][0].text).toContain(REPORTED_TITLE); // a button label: plain text
      await say(id, "something else");
      expect(last(id).text).toContain(text.sourceHint);
      const stale = await localized(language, "common.stale_button");
      expect(toast(await press(id, `hl:a:${attended[language]}`, sourceMessage))).toBe(stale); // forged: not offered
      await press(id, `hl:a:${reported[language]}`, sourceMessage);
      expect(emulator.message(id, sourceMessage)!.text).toContain(REPORTED_TITLE);

      // 2. The day
      expect(last(id).text).toContain(text.datePrompt);
      const dayButtons = buttons(last(id));
      expect(dayButtons).toEqual([`hl:d:${today}`, `hl:d:${shiftDay(today, { days: -1 })}`]);
      await say(id, "вчера");
      expect(last(id).text).toContain(text.dateHint);
      await say(id, "31.02.2026");
      expect(last(id).text).toContain(text.dateHint);
      await say(id, dotted(shiftDay(today, { days: 3 })));
      expect(last(id).text).toContain(text.future);
      await say(id, dotted(shiftDay(today, { years: -2 })));
      expect(last(id).text).toContain(text.tooOld);
      const dateMessage = emulator.botMessages(id).find((m) => m.text?.includes(text.datePrompt) && buttons(m).length)!;
      await press(id, `hl:d:${today}`, dateMessage.message_id);

      // 3. Hours
      expect(last(id).text).toContain(text.hoursPrompt);
      for (const bad of ["abc", "0,3", "25", "1,25", "-2"]) {
        await say(id, bad);
        expect(last(id).text, bad).toContain(text.hoursHint);
      }
      await say(id, "2,5");

      // 4. Note
      expect(last(id).text).toContain(text.notePrompt);
      await h.send(() => emulator.sendSticker(id));
      expect(last(id).text).toContain(text.noteHint);
      await say(id, "x".repeat(501));
      expect(last(id).text).toContain(text.noteHint);
      await say(id, "Балаларға <кітап> оқыдық & ойнадық");
      expect(last(id).text).toContain(text.saved);
      expect(last(id).text).toContain("Кітап &lt;оқу&gt; &amp; сабақ");
      expect(buttons(last(id))).toEqual(["m:hours"]);
      const [fromAction] = await database.db
        .select()
        .from(hourEntries)
        .where(and(eq(hourEntries.userId, id), eq(hourEntries.actionId, reported[language]!)));
      expect(fromAction).toMatchObject({
        source: "self",
        status: "pending",
        hours: 2.5,
        activityDate: today,
        category: "education",
        note: "Балаларға <кітап> оқыдық & ойнадық",
      });

      // Another organization, with the day's limit: 24 h minus the 2.5 h above
      await say(id, "/hours");
      await press(id, "h:log"); // no action left to offer: straight to the organization
      expect(last(id).text).toContain(text.orgPrompt);
      expect(buttons(last(id))).toEqual([]);
      await h.send(() => emulator.sendPhoto(id));
      expect(last(id).text).toContain(text.orgHint);
      await say(id, "y".repeat(121));
      expect(last(id).text).toContain(text.orgHint);
      await say(id, "  <Qazaq>   & Co  ");
      expect(last(id).text).toContain(text.categoryPrompt);
      expect(buttons(last(id))).toContain("hl:cskip");
      await press(id, "hl:c:nonsense");
      await press(id, "hl:c:education");
      expect(emulator.botMessages(id).some((m) => m.text?.includes("&lt;Qazaq&gt; &amp; Co"))).toBe(true);
      await press(id, `hl:d:${today}`);
      await say(id, "22");
      expect(last(id).text).toContain(text.limit);
      await say(id, "21,5");
      await press(id, "hl:nskip");
      expect(last(id).text).toContain(text.saved);
      const [fromOrganization] = await database.db
        .select()
        .from(hourEntries)
        .where(and(eq(hourEntries.userId, id), eq(hourEntries.organizationName, "<Qazaq> & Co")));
      expect(fromOrganization).toMatchObject({ status: "pending", hours: 21.5, category: "education", note: null });

      // The day is full now: it is refused at the date step
      await say(id, "/hours");
      await press(id, "h:log");
      await say(id, "Қор");
      await press(id, "hl:cskip");
      const full = await press(id, `hl:d:${today}`);
      expect(toast(full)).toContain("24");
      await say(id, "/cancel");
      expect(last(id).text).toContain(text.cancelled);

      // The summary: totals, by category, by month
      const saved = emulator.botMessages(id).findLast((m) => buttons(m).includes("m:hours"))!.message_id;
      await press(id, "m:hours", saved);
      const summary = emulator.botMessages(id).find((m) => m.message_id === saved)!.text!;
      expect(summary).toContain(text.confirmedTotal);
      expect(summary).toContain(text.pendingTotal);
      expect(summary).toContain(text.byCategory);
      expect(summary).toContain(text.ecology);
      expect(summary).toContain(text.education);
    });

    it(`sends the volunteer book as PDF and CSV and verifies it by code (${language})`, async () => {
      const id = users_[language];
      const [pending] = await database.db
        .select({ id: hourEntries.id })
        .from(hourEntries)
        .where(and(eq(hourEntries.userId, id), eq(hourEntries.actionId, reported[language]!)));
      await decideHours(database.db, pending!.id, organizer, "confirmed");

      await say(id, "/hours");
      await press(id, "h:book");
      expect(last(id).text).toContain(text.bookPrompt);
      expect(buttons(last(id))).toEqual(["h:bp:semester", "h:bp:year", "h:bp:12m", "h:bp:all", "m:hours"]);
      // The first book asks the full name as in the ID; a Telegram name with markup is no such name.
      await press(id, "h:bp:all");
      expect(last(id).text).toContain((await localized(language, "hours.name_prompt")).slice(0, 20));
      await say(id, TRICKY_NAME);
      expect(last(id).text).toBe(await localized(language, "hours.name_not_a_name"));
      await say(id, "Әлия");
      expect(last(id).text).toBe(await localized(language, "hours.name_one_word"));
      await say(id, `  ${FULL_NAME}\u202e `);
      expect(parseTelegramHtml(last(id).text!).text).toContain(FULL_NAME);
      expect(buttons(last(id))).toEqual(["h:bp:all"]);
      const before = emulator.botMessages(id).length;
      await press(id, "h:bp:all");
      const [pdfMessage, csvMessage] = emulator.botMessages(id).slice(before);
      expect(pdfMessage!.document!.file_name).toMatch(/^erikti-book-[2-9A-Z]{10}\.pdf$/);
      const pdf = pdfMessage!.document!.data!;
      expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
      expect(pdf.includes("FontFile2")).toBe(true);
      const code = /<code>([2-9A-Z]{10})<\/code>/.exec(pdfMessage!.caption!)![1]!;
      codes[language] = code;
      expect(pdfMessage!.caption).toContain(`https://t.me/${emulator.botInfo.username}?start=v_${code}`);
      expect(pdfMessage!.caption).toContain(`/verify ${code}`);

      expect(csvMessage!.document!.file_name).toBe(`erikti-book-${code}.csv`);
      const csv = csvMessage!.document!.data!;
      expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const [{ attendedDay }] = (await database.db
        .select({ attendedDay: hourEntries.activityDate })
        .from(hourEntries)
        .where(and(eq(hourEntries.userId, id), eq(hourEntries.actionId, attended[language]!)))) as [
        { attendedDay: string },
      ];
      expect(csv.subarray(3).toString("utf8").split("\r\n")).toEqual([
        `${await localized(language, "hours.csv_holder")};${FULL_NAME}`,
        `${await localized(language, "hours.csv_period")};${dotted(attendedDay)} — ${dotted(today)}`,
        `${await localized(language, "hours.csv_code")};${code}`,
        "",
        text.csvHeader,
        `${dotted(attendedDay)};${ORGANIZATION};${ATTENDED_TITLE};${text.ecology};3`,
        `${dotted(today)};${ORGANIZATION};${REPORTED_TITLE};${text.education};2,5`,
        `${text.total};;;;5,5`,
        "",
      ]);
      const [book] = await database.db.select().from(volunteerBooks).where(eq(volunteerBooks.code, code));
      expect(book).toMatchObject({ userId: id, holderName: FULL_NAME, totalHours: 5.5, entries: 2, periodTo: today });

      // Checked by code, in the other language's chat too
      const other = users_[language === "kk" ? "ru" : "kk"];
      await say(id, `/verify ${code.toLowerCase()}`);
      expect(last(id).text).toContain(text.verified);
      const verified = parseTelegramHtml(last(id).text!).text;
      expect(verified).toContain(FULL_NAME);
      expect(verified).toMatch(/5,5/);
      // The entries as printed: date, organization — action, hours.
      expect(verified).toContain(`${dotted(attendedDay)} — ${ORGANIZATION} — ${ATTENDED_TITLE}`);
      expect(verified).toContain(`${dotted(today)} — ${ORGANIZATION} — ${REPORTED_TITLE}`);
      await say(other, `/verify ${code}`);
      expect(parseTelegramHtml(last(other).text!).text).toContain(FULL_NAME);
      await say(id, "/verify <b>NOPE&</b>");
      expect(last(id).text).toContain(text.unknown);
      expect(last(id).text).toContain("&lt;b&gt;NOPE&amp;&lt;/b&gt;");
      await say(id, "/verify");
      expect(last(id).text).toContain(text.usage);
    });

    it(`opens a verification deep link for a brand-new user who never used the bot (${language})`, async () => {
      const code = codes[language]!;
      const stranger = language === "kk" ? 8_200_000_021 : 8_200_000_022;
      emulator.addUser({ id: stranger, first_name: "HR <отдел>", language_code: language });
      await say(stranger, `/start v_${code}`);
      const messages = emulator.botMessages(stranger);
      expect(messages).toHaveLength(1);
      expect(messages[0]!.text).toContain(text.verified);
      expect(parseTelegramHtml(messages[0]!.text!).text).toContain(FULL_NAME);
      expect(messages[0]!.text).toContain(code);
      expect((await findUser(database.db, stranger))!.onboardedAt).toBeNull();
      await say(stranger, "/start v_ZZZZZZZZZZ");
      expect(last(stranger).text).toContain(text.unknown);
    });

    it(`explains what the book needs: consent, and confirmed hours in the period (${language})`, async () => {
      const withoutConsent = language === "kk" ? 8_200_000_031 : 8_200_000_032;
      await onboarded(withoutConsent, language, false);
      await say(withoutConsent, "/hours");
      expect(last(withoutConsent).text).toContain(text.empty);
      // Not a vanishing toast: a message with the button that gives consent (and then goes on).
      const hoursScreen = last(withoutConsent).message_id;
      await press(withoutConsent, "h:book");
      expect(last(withoutConsent).text).toContain(text.consent);
      expect(buttons(last(withoutConsent))).toEqual(["cg:h:book"]);
      await press(withoutConsent, "h:bp:all", hoursScreen);
      expect(last(withoutConsent).text).toContain(text.consent);

      const noHours = language === "kk" ? 8_200_000_033 : 8_200_000_034;
      await onboarded(noHours, language, true, "Әлия");
      await say(noHours, "/hours");
      await press(noHours, "h:book");
      expect(toast(await press(noHours, "h:bp:semester"))).toContain(text.noHours);
      expect(toast(await press(noHours, "h:bp:forever"))).toBe(await localized(language, "common.stale_button")); // tampered

      const stranger = language === "kk" ? 8_200_000_035 : 8_200_000_036;
      emulator.addUser({ id: stranger, first_name: "Жаңа", language_code: language });
      await say(stranger, "/hours"); // not onboarded: sent to /start
      expect(last(stranger).text).toContain("/start");
    });
  }
});
