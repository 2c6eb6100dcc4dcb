import { and, asc, eq, like, ne } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { actions, hourEntries, organizationMembers, organizations, outbox, participations } from "../../src/db/schema";
import { askToConfirmAttendance, checkinTokenOf } from "../../src/domain/attendance";
import { localDay, reportHours } from "../../src/domain/hours";
import { renderOutboxButton } from "../../src/bot/outbox-buttons";
import type { OutboxPayload } from "../../src/db/outbox";
import { render } from "../../src/delivery/render";
import { createI18n } from "../../src/i18n";
import { testDatabases } from "../support/db";
import { onboardUser } from "../support/users";
import { buttonData, chatWith, localized, plain } from "../support/chat";
import type { BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TRICKY = '<b>Ayan & "Co"</b>';
const i18n = createI18n();

type Lang = "kk" | "ru";

const TEXTS = {
  kk: {
    checkedIn: "Келгеніңіз белгіленді",
    walkIn: "Сіз акцияға қосылдыңыз",
    already: "бұған дейін белгіленген",
    tooEarly: "Белгілеу әлі ашылған жоқ",
    ended: "Белгілеу жабылды",
    notJoined: "Сіз бұл акцияға жазылмағансыз",
    full: "бос орын қалмады",
    cancelled: "Бұл акция тоқтатылған",
    confirmed: "Расталған: <b>3 сағат</b>",
    bookHeader: "Күні;Ұйым;Акция атауы;Бағыт;Сағат",
    csvHeader: "Аты-жөні;Username;Мәртебесі;Орында белгіленді;Сағат",
    joined: "жазылды",
    outside: "ботта жоқ ұйымда",
    rejectPrompt: "Себебін жазыңыз",
  },
  ru: {
    checkedIn: "Вы отмечены",
    walkIn: "Вы записаны на акцию и отмечены",
    already: "Вы уже отмечены",
    tooEarly: "Отметка ещё не открыта",
    ended: "Отметка закрыта",
    notJoined: "Вы не записаны на эту акцию",
    full: "не осталось мест",
    cancelled: "Эта акция отменена",
    confirmed: "Подтверждено: <b>3 часа</b>",
    bookHeader: "Дата;Организация;Название акции;Направление;Часы",
    csvHeader: "Имя;Username;Статус;Отметка на месте;Часы",
    joined: "записан",
    outside: "организации, которой нет в боте",
    rejectPrompt: "Напишите причину",
  },
} as const;

describe.each(testDatabases)("check-in, attendance, claimed hours and participants on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  // No dispatcher: the notices are checked in the outbox.
  useBot(kind, { delivery: false }, (bot) => ({ database, emulator, h } = bot));
  const { last, say, press, toast } = chatWith(() => h);

  const base = { kk: 8_300_000_000, ru: 8_300_100_000 } as const;
  const people = (lang: Lang) => {
    const b = base[lang];
    return {
      organizer: b + 1,
      other: b + 2, // organizer of another organization
      present: b + 11, // joined, checks in
      absent: b + 12, // joined, never comes
      stranger: b + 13, // did not join
      noConsent: b + 14, // joined, without consent
      walker: b + 15, // walks in
      late: b + 16, // walks in when the action is full
      claimer: b + 17,
      claimer2: b + 18,
    };
  };
  interface Fixture {
    org: number;
    otherOrg: number;
    running: number;
    walkIns: number;
    early: number;
    ended: number;
    cancelled: number;
    otherAction: number;
    past: number;
  }
  const fx = {} as Record<Lang, Fixture>;

  async function action(values: Partial<typeof actions.$inferInsert> & { organizationId: number; startsAt: Date }) {
    const [row] = await database.db
      .insert(actions)
      .values({
        titleKk: "Саябақты <тазалау> & көгалдандыру",
        titleRu: "Уборка <парка> & озеленение",
        category: "ecology",
        regionCode: "almaty",
        latitude: 43.25,
        longitude: 76.95,
        endsAt: new Date(values.startsAt.getTime() + 3 * HOUR),
        capacity: 10,
        hours: 3,
        ...values,
      })
      .returning({ id: actions.id });
    return row!.id;
  }

  async function organization(owner: number, name: string) {
    const [org] = await database.db
      .insert(organizations)
      .values({ status: "approved", nameKk: name, nameRu: name, ownerId: owner, regionCode: "almaty" })
      .returning({ id: organizations.id });
    await database.db.insert(organizationMembers).values({ organizationId: org!.id, userId: owner, role: "owner" });
    return org!.id;
  }

  async function join(actionId: number, userId: number) {
    await database.db.insert(participations).values({ actionId, userId, status: "joined" });
    const [row] = await database.db.select().from(actions).where(eq(actions.id, actionId));
    await database.db
      .update(actions)
      .set({ participantsCount: row!.participantsCount + 1 })
      .where(eq(actions.id, actionId));
  }

  beforeAll(async () => {
    for (const lang of ["kk", "ru"] as const) {
      const p = people(lang);
      const onboard = (id: number, firstName: string, consent = true) =>
        onboardUser(database.db, emulator, id, { language: lang, firstName, consent });
      await onboard(p.organizer, "Ұйымдастырушы");
      await onboard(p.other, "Бөтен");
      await onboard(p.present, TRICKY);
      await onboard(p.absent, "Бекзат");
      await onboard(p.stranger, "Дана");
      await onboard(p.noConsent, "Жасырын", false);
      await onboard(p.walker, "Ерлан");
      await onboard(p.late, "Кеш");
      await onboard(p.claimer, "Әсел");
      await onboard(p.claimer2, "Нұр");
      const org = await organization(p.organizer, `Жасыл ел ${lang}`);
      const otherOrg = await organization(p.other, `Басқа ${lang}`);
      const now = Date.now();
      const f: Fixture = {
        org,
        otherOrg,
        running: await action({ organizationId: org, startsAt: new Date(now - 10 * 60_000) }),
        walkIns: await action({
          organizationId: org,
          startsAt: new Date(now + 20 * 60_000),
          walkIns: true,
          capacity: 1,
          titleKk: "Кітапхана",
          titleRu: "Библиотека",
        }),
        early: await action({ organizationId: org, startsAt: new Date(now + 2 * DAY) }),
        ended: await action({ organizationId: org, startsAt: new Date(now - 5 * HOUR) }),
        cancelled: await action({ organizationId: org, startsAt: new Date(now), status: "cancelled" }),
        otherAction: await action({ organizationId: otherOrg, startsAt: new Date(now - 10 * 60_000) }),
        past: await action({
          organizationId: org,
          startsAt: new Date(now - DAY - 4 * HOUR),
          titleKk: "Өткен акция",
          titleRu: "Прошедшая акция",
        }),
      };
      fx[lang] = f;
      for (const id of [p.present, p.absent, p.noConsent]) await join(f.running, id);
      await join(f.early, p.present);
      await join(f.ended, p.present);
      await join(f.cancelled, p.present);
      await join(f.otherAction, p.present);
      for (const id of [p.claimer, p.claimer2, p.present]) await join(f.past, id);
    }
  });

  const sentPhoto = async (chatId: number) => {
    const message = emulator.botMessages(chatId).findLast((m) => m.photo)!;
    const api = `${emulator.apiRoot}/bot${emulator.token}`;
    const file = (await (await fetch(`${api}/getFile?file_id=${message.photo}`)).json()) as {
      result: { file_path: string };
    };
    const data = Buffer.from(
      await (await fetch(`${emulator.apiRoot}/file/bot${emulator.token}/${file.result.file_path}`)).arrayBuffer(),
    );
    return { message, data };
  };

  for (const lang of ["kk", "ru"] as const) {
    const text = TEXTS[lang];

    it(`sends the check-in QR code as a PNG photo and checks volunteers in by its link (${lang})`, async () => {
      const p = people(lang);
      const f = fx[lang];
      await say(p.organizer, "/checkin");
      const todays = buttonData(last(p.organizer));
      expect(todays).toContain(`ck:qr:${f.running}`);
      expect(todays).toContain(`ck:qr:${f.walkIns}`);
      expect(todays).not.toContain(`ck:qr:${f.early}`);
      expect(todays).not.toContain(`ck:qr:${f.otherAction}`);
      await press(p.organizer, `ck:qr:${f.running}`);
      const { message, data } = await sentPhoto(p.organizer);
      expect([...data.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const [stored] = await database.db.select().from(actions).where(eq(actions.id, f.running));
      const token = stored!.checkinToken!;
      expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/);
      const link = `https://t.me/${emulator.botInfo.username}?start=c_${token}`;
      expect(message.caption).toContain(link);
      expect(message.caption).toContain(
        lang === "kk" ? "Саябақты &lt;тазалау&gt; &amp;" : "Уборка &lt;парка&gt; &amp;",
      );
      // Asked again: the same code (a printed QR stays valid)
      expect(await checkinTokenOf(database.db, f.running)).toBe(token);

      // The volunteer scans it: checked in, then politely told on a second scan
      await say(p.present, `/start c_${token}`);
      expect(last(p.present).text).toContain(text.checkedIn);
      const [row] = await database.db
        .select()
        .from(participations)
        .where(and(eq(participations.actionId, f.running), eq(participations.userId, p.present)));
      expect(row!.checkedInAt).not.toBeNull();
      await say(p.present, `/start c_${token}`);
      expect(last(p.present).text).toContain(text.already);

      // Not joined, no walk-ins: refused, nothing written
      await say(p.stranger, `/start c_${token}`);
      expect(last(p.stranger).text).toContain(text.notJoined);
      expect(
        await database.db
          .select()
          .from(participations)
          .where(and(eq(participations.actionId, f.running), eq(participations.userId, p.stranger))),
      ).toEqual([]);

      // A wrong code
      await say(p.present, "/start c_AAAAAAAAAAAAAAAAAAAAAAAA");
      expect(last(p.present).text).toBe(await localized(lang, "attendance.code_invalid"));
      await say(p.present, "/start c_short");
      expect(last(p.present).text).toBe(await localized(lang, "attendance.code_invalid"));

      // Outside the window: too early, ended; and a cancelled action
      for (const [id, expected] of [
        [f.early, text.tooEarly],
        [f.ended, text.ended],
        [f.cancelled, text.cancelled],
      ] as const) {
        const other = await checkinTokenOf(database.db, id);
        await say(p.present, `/start c_${other}`);
        expect(last(p.present).text).toContain(expected);
        // The same through the button a newcomer gets after onboarding
        await press(p.present, `ck:in:${other}`);
        expect(last(p.present).text).toContain(expected);
        const [unchanged] = await database.db
          .select()
          .from(participations)
          .where(and(eq(participations.actionId, id), eq(participations.userId, p.present)));
        expect(unchanged!.checkedInAt).toBeNull();
      }
    });

    it(`lets walk-ins join at the venue while spots are left (${lang})`, async () => {
      const p = people(lang);
      const f = fx[lang];
      await say(p.organizer, "/checkin");
      await press(p.organizer, `ck:qr:${f.walkIns}`);
      const [stored] = await database.db.select().from(actions).where(eq(actions.id, f.walkIns));
      const token = stored!.checkinToken!;
      await say(p.walker, `/start c_${token}`);
      expect(last(p.walker).text).toContain(text.walkIn);
      const [after] = await database.db.select().from(actions).where(eq(actions.id, f.walkIns));
      expect(after!.participantsCount).toBe(1);
      await say(p.late, `/start c_${token}`); // capacity 1: full now
      expect(last(p.late).text).toContain(text.full);
      const rows = await database.db.select().from(participations).where(eq(participations.actionId, f.walkIns));
      expect(rows.map((r) => [r.userId, r.status, r.checkedInAt !== null])).toEqual([[p.walker, "joined", true]]);

      // A brand-new user scans a code of an action without a capacity: onboarding first, then a button checks in
      const open = await action({
        organizationId: f.org,
        startsAt: new Date(Date.now() - 5 * 60_000),
        walkIns: true,
        capacity: null,
      });
      const openToken = await checkinTokenOf(database.db, open);
      const newcomer = base[lang] + 40;
      emulator.addUser({ id: newcomer, first_name: "Жаңа <қонақ>", language_code: lang });
      await say(newcomer, `/start c_${openToken}`);
      await press(newcomer, "ob:r:almaty");
      await press(newcomer, "ob:idone");
      await press(newcomer, "ob:consent:yes");
      await h.send(() => emulator.sendLocation(newcomer, 43.25, 76.95));
      expect(buttonData(last(newcomer))[0]).toBe(`ck:in:${openToken}`);
      await press(newcomer, `ck:in:${openToken}`);
      expect(last(newcomer).text).toContain(text.walkIn);
      const [joined] = await database.db
        .select()
        .from(participations)
        .where(and(eq(participations.actionId, open), eq(participations.userId, newcomer)));
      expect(joined).toMatchObject({ status: "joined" });
      expect(joined!.checkedInAt).not.toBeNull();
    });

    it(`confirms attendance with toggles, credits once and tells each volunteer (${lang})`, async () => {
      const p = people(lang);
      const f = fx[lang];
      // The scheduler asks the organizer when the action has ended (the ended action, once)
      await askToConfirmAttendance(database.db, new Date());
      expect(await askToConfirmAttendance(database.db, new Date())).toBe(0);
      const [ask] = await database.db
        .select()
        .from(outbox)
        .where(eq(outbox.idempotencyKey, `att-ask:${f.ended}:${p.organizer}`));
      expect(ask!.payload).toMatchObject({
        template: "attendance.ask_confirm",
        locale: lang,
        buttons: [[{ kind: "attendance.open", actionId: f.ended }]],
      });
      const asking = render(await i18n, ask!.payload as OutboxPayload, renderOutboxButton);
      expect(asking.params).toMatchObject({
        text: expect.stringContaining(lang === "kk" ? "Саябақты &lt;тазалау&gt;" : "Уборка &lt;парка&gt;"),
        reply_markup: {
          inline_keyboard: [
            [{ text: await localized(lang, "attendance.btn_open"), callback_data: `ck:att:${f.ended}` }],
          ],
        },
      });
      expect(
        await database.db
          .select()
          .from(outbox)
          .where(like(outbox.idempotencyKey, `att-ask:${f.ended}:${p.other}`)),
      ).toEqual([]);

      // The list: the checked-in volunteer is ✅ by default, the others ❌
      await say(p.organizer, "/claims");
      await press(p.organizer, `ck:att:${f.running}`);
      const screen = last(p.organizer);
      expect(screen.text).toContain("&lt;b&gt;Ayan &amp; &quot;Co&quot;&lt;/b&gt;");
      const toggles = buttonData(screen);
      expect(toggles).toContain(`ck:t:${f.running}:${p.present}:0`);
      expect(toggles).toContain(`ck:t:${f.running}:${p.absent}:0`);
      expect(toggles).toContain(`ck:ok:${f.running}`);
      const label = (id: number) =>
        screen.reply_markup.inline_keyboard.flat().find((b: any) => b.callback_data === `ck:t:${f.running}:${id}:0`)
          .text as string;
      expect(label(p.present).startsWith("✅")).toBe(true);
      expect(label(p.absent).startsWith("❌")).toBe(true);

      // Toggle the one who did not check in (they came after all), then back and forth
      await press(p.organizer, `ck:t:${f.running}:${p.noConsent}:0`);
      await press(p.organizer, `ck:t:${f.running}:${p.absent}:0`);
      await press(p.organizer, `ck:t:${f.running}:${p.absent}:0`);
      const attendance = async () =>
        Object.fromEntries(
          (
            await database.db
              .select({ userId: participations.userId, attendance: participations.attendance })
              .from(participations)
              .where(eq(participations.actionId, f.running))
          ).map((r) => [r.userId, r.attendance]),
        );
      expect(await attendance()).toEqual({ [p.present]: null, [p.absent]: "no_show", [p.noConsent]: "attended" });

      await press(p.organizer, `ck:ok:${f.running}`);
      const credited = await database.db
        .select({ userId: hourEntries.userId, hours: hourEntries.hours, status: hourEntries.status })
        .from(hourEntries)
        .where(and(eq(hourEntries.actionId, f.running), eq(hourEntries.source, "attendance")))
        .orderBy(asc(hourEntries.userId));
      expect(credited).toEqual([
        { userId: p.present, hours: 3, status: "confirmed" },
        { userId: p.noConsent, hours: 3, status: "confirmed" },
      ]);
      expect(await attendance()).toEqual({ [p.present]: "attended", [p.absent]: "no_show", [p.noConsent]: "attended" });
      const notices = await database.db.select().from(outbox).where(like(outbox.idempotencyKey, "hours-attended:%"));
      const mine = notices.filter((n) => n.chatId === p.present);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.payload).toMatchObject({ template: "hours.notify_attended", locale: lang });
      const told = render(await i18n, mine[0]!.payload as OutboxPayload, renderOutboxButton);
      expect(plain((told.params as { text: string }).text)).toContain(
        lang === "kk" ? "Саябақты <тазалау> & көгалдандыру" : "Уборка <парка> & озеленение",
      );

      // Confirming again credits nobody twice; a credited person cannot be switched off
      await press(p.organizer, `ck:ok:${f.running}`);
      const again = await database.db
        .select()
        .from(hourEntries)
        .where(and(eq(hourEntries.actionId, f.running), eq(hourEntries.source, "attendance")));
      expect(again).toHaveLength(2);
      expect(toast(await press(p.organizer, `ck:t:${f.running}:${p.present}:0`))).toBe(
        await localized(lang, "attendance.already_credited"),
      );
      // A later attendee: only they are credited now
      await press(p.organizer, `ck:t:${f.running}:${p.absent}:0`);
      await press(p.organizer, `ck:ok:${f.running}`);
      expect(
        await database.db
          .select()
          .from(hourEntries)
          .where(and(eq(hourEntries.actionId, f.running), eq(hourEntries.source, "attendance"))),
      ).toHaveLength(3);

      // Not yet started: refused
      expect(toast(await press(p.organizer, `ck:ok:${f.early}`))).toBe(
        await localized(lang, "attendance.confirm_not_started"),
      );

      // The volunteer sees the hours confirmed in /hours and in the volunteer book
      await say(p.present, "/hours");
      expect(last(p.present).text).toContain(text.confirmed);
      await press(p.present, "h:book");
      await press(p.present, "h:bp:all"); // the first book asks the full name as in the ID
      await say(p.present, "Сейітов Аян");
      const before = emulator.botMessages(p.present).length;
      await press(p.present, "h:bp:all");
      const csv = emulator
        .botMessages(p.present)
        .slice(before)
        .find((m) => m.document?.file_name?.endsWith(".csv"))!;
      const lines = csv.document!.data!.subarray(3).toString("utf8").split("\r\n");
      const header = lines.indexOf(text.bookHeader);
      expect(header).toBeGreaterThan(0);
      expect(lines[header + 1]).toContain(
        lang === "kk" ? "Саябақты <тазалау> & көгалдандыру" : "Уборка <парка> & озеленение",
      );
      expect(lines[header + 1]).toMatch(/;3$/);
    });

    it(`exports participants who gave consent as CSV (${lang})`, async () => {
      const p = people(lang);
      const f = fx[lang];
      await say(p.organizer, "/claims");
      const before = emulator.botMessages(p.organizer).length;
      await press(p.organizer, `ck:csv:${f.running}`);
      const doc = emulator
        .botMessages(p.organizer)
        .slice(before)
        .find((m) => m.document)!;
      expect(doc.document!.file_name).toBe(`participants-${f.running}.csv`);
      const data = doc.document!.data!;
      expect([...data.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const rows = data.subarray(3).toString("utf8").split("\r\n");
      expect(rows[0]).toBe(text.csvHeader);
      expect(rows).toHaveLength(4); // header, two with consent, the final empty line
      expect(rows.some((r) => r.includes("Жасырын"))).toBe(false);
      const present = rows.find((r) => r.startsWith('"<b>Ayan & ""Co""</b>"'))!;
      expect(present).toBeDefined();
      expect(present.split(";").slice(-3)[0]).toBe(text.joined);
      expect(present).toMatch(/;3$/);
      expect(rows.find((r) => r.startsWith("Бекзат"))).toMatch(/;;3$/); // not checked in, credited later
      // Pressed again at once: limited
      expect(toast(await press(p.organizer, `ck:csv:${f.running}`))).toBe(await localized(lang, "privacy.one_moment"));
    });

    it(`works through the queue of claimed hours: confirm, reject with a reason, confirm all (${lang})`, async () => {
      const p = people(lang);
      const f = fx[lang];
      const today = localDay(new Date());
      const day = localDay(new Date(Date.now() - DAY - 4 * HOUR));
      const claim = async (userId: number, hours: number) =>
        (await reportHours(database.db, { userId, actionId: f.past, date: day, hours })).id;
      const first = await claim(p.claimer, 2);
      const second = await claim(p.claimer2, 1.5);
      const third = await claim(p.present, 4);
      // A free-form organization: in no queue, and /hours says so
      await reportHours(database.db, { userId: p.claimer, organizationName: "Қор <X>", date: today, hours: 1 });

      await say(p.organizer, "/claims");
      const queue = last(p.organizer);
      expect(queue.text).toContain("(3)");
      expect(queue.text).not.toContain("Қор");
      expect(buttonData(queue)).toEqual([
        `hq:c:${first}:0`,
        `hq:r:${first}`,
        `hq:c:${second}:0`,
        `hq:r:${second}`,
        `hq:c:${third}:0`,
        `hq:r:${third}`,
        "hq:all",
      ]);
      expect(toast(await press(p.organizer, `hq:c:${first}:0`))).toBe(
        await localized(lang, "attendance.claim_confirmed"),
      );
      const status = async (id: number) =>
        (await database.db.select().from(hourEntries).where(eq(hourEntries.id, id)))[0]!;
      expect((await status(first)).status).toBe("confirmed");
      // A second press on the same (now decided) claim changes nothing
      expect(toast(await press(p.organizer, `hq:c:${first}:0`))).toBe(await localized(lang, "attendance.claim_gone"));

      // Reject with a reason
      await press(p.organizer, `hq:r:${second}`);
      expect(last(p.organizer).text).toContain(text.rejectPrompt);
      await say(p.organizer, "   ");
      await say(p.organizer, "Сізді <b>көрмедік</b> & тізімде жоқсыз");
      expect(last(p.organizer).text).toBe(await localized(lang, "attendance.claim_rejected"));
      const rejected = await status(second);
      expect(rejected).toMatchObject({ status: "rejected", rejectReason: "Сізді <b>көрмедік</b> & тізімде жоқсыз" });
      const [notice] = await database.db
        .select()
        .from(outbox)
        .where(eq(outbox.idempotencyKey, `hours-decided:${second}`));
      expect(notice!.payload).toMatchObject({
        template: "hours.notify_rejected_reason",
        params: { reason: "Сізді <b>көрмедік</b> & тізімде жоқсыз" },
      });
      const reasonText = (
        render(await i18n, notice!.payload as OutboxPayload, renderOutboxButton).params as {
          text: string;
        }
      ).text;
      expect(reasonText).toContain("Сізді &lt;b&gt;көрмедік&lt;/b&gt; &amp; тізімде жоқсыз");

      // Confirm all, with a confirmation step
      const fourth = await claim(p.claimer2, 1); // rejected before: may claim again
      await say(p.organizer, "/claims");
      await press(p.organizer, "hq:all");
      expect(buttonData(last(p.organizer))).toEqual(["hq:ally", "hq:list"]);
      expect((await status(third)).status).toBe("pending");
      await press(p.organizer, "hq:ally");
      expect((await status(third)).status).toBe("confirmed");
      expect((await status(fourth)).status).toBe("confirmed");
      expect(last(p.organizer).text).toBe(await localized(lang, "attendance.claims_empty"));

      await say(p.claimer, "/hours");
      expect(plain(last(p.claimer).text)).toContain(text.outside);
    });

    it(`refuses every privileged press to a volunteer and to another organization's organizer (${lang})`, async () => {
      const p = people(lang);
      const f = fx[lang];
      const pending = await reportHours(database.db, {
        userId: p.claimer,
        actionId: f.past,
        date: localDay(new Date(Date.now() - DAY - 4 * HOUR)),
        hours: 0.5,
      }).catch(async () => {
        // Already claimed in the previous test: a fresh volunteer of the past action claims instead.
        const id = base[lang] + 30;
        await onboardUser(database.db, emulator, id, { language: lang, firstName: "Жаңа" });
        await join(f.past, id);
        return reportHours(database.db, {
          userId: id,
          actionId: f.past,
          date: localDay(new Date(Date.now() - DAY - 4 * HOUR)),
          hours: 0.5,
        });
      });
      const snapshot = async () => ({
        participations: await database.db.select().from(participations).orderBy(asc(participations.queuedSeq)),
        hours: await database.db.select().from(hourEntries).orderBy(asc(hourEntries.id)),
        actions: await database.db.select().from(actions).orderBy(asc(actions.id)),
        // Messages only: a staff command menu (the 20-second job) may be set meanwhile.
        outbox: (
          await database.db.select({ key: outbox.idempotencyKey }).from(outbox).where(ne(outbox.kind, "commands"))
        ).length,
      });
      const before = await snapshot();
      const refusal = await localized(lang, "attendance.not_allowed");
      const notOrganizer = await localized(lang, "attendance.not_organizer");
      const presses = [
        `ck:qr:${f.early}`,
        `ck:att:${f.running}`,
        `ck:ap:${f.running}:1`,
        `ck:t:${f.running}:${p.absent}:0`,
        `ck:ok:${f.running}`,
        `ck:csv:${f.running}`,
      ];
      for (const intruder of [p.stranger, p.other]) {
        await say(intruder, "/hours");
        const sent = emulator.botMessages(intruder).length;
        for (const data of presses) expect(toast(await press(intruder, data)), data).toBe(refusal);
        const claimPresses = [`hq:c:${pending.id}:0`, `hq:r:${pending.id}`];
        for (const data of claimPresses)
          expect(toast(await press(intruder, data)), data).toBe(intruder === p.other ? refusal : notOrganizer);
        await press(intruder, "hq:ally"); // the other organizer's own (empty) queue; a volunteer is refused
        expect(emulator.botMessages(intruder).filter((m) => m.photo || m.document)).toEqual([]);
        expect(emulator.botMessages(intruder).length - sent).toBeLessThanOrEqual(1);
        await say(intruder, "/claims");
        if (intruder === p.stranger) expect(last(intruder).text).toBe(notOrganizer);
        await say(intruder, "/checkin");
        if (intruder === p.stranger) expect(last(intruder).text).toBe(notOrganizer);
      }
      // Forged ids: out of range or not numbers
      expect(toast(await press(p.organizer, "ck:att:99999999999"))).toBe(await localized(lang, "common.stale_button"));
      expect(toast(await press(p.organizer, `ck:att:${f.otherAction}`))).toBe(refusal);
      expect(toast(await press(p.organizer, `ck:t:${f.otherAction}:${p.present}:0`))).toBe(refusal);
      expect(await snapshot()).toEqual(before);
      // The claim is still pending, in the right queue
      expect((await database.db.select().from(hourEntries).where(eq(hourEntries.id, pending.id)))[0]!.status).toBe(
        "pending",
      );
    });
  }
});
