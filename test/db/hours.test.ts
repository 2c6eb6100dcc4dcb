import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import type { OutboxPayload } from "../../src/db/outbox";
import { renderOutboxButton } from "../../src/bot/outbox-buttons";
import { render } from "../../src/delivery/render";
import { createI18n } from "../../src/i18n";
import {
  actions,
  hourEntries,
  organizations,
  outbox,
  participations,
  users,
  volunteerBooks,
} from "../../src/db/schema";
import {
  creditAttendance,
  decideHours,
  HoursError,
  hoursSummary,
  localDay,
  pastJoinedActions,
  remainingHoursOn,
  reportHours,
  shiftDay,
} from "../../src/domain/hours";
import { renderVolunteerBookPdf } from "../../src/domain/pdf/volunteer-book";
import { checkFullName, completeOnboarding, setFullName, touchUser } from "../../src/domain/users";
import {
  findVolunteerBook,
  issueVolunteerBook,
  normalizeBookCode,
  periodRange,
  volunteerBookCsv,
} from "../../src/domain/volunteer-book";
import { testDatabases } from "../support/db";

const NOW = new Date("2026-03-15T06:00:00Z"); // 11:00 in Almaty
const TODAY = "2026-03-15";
const HOUR = 3_600_000;

async function refusal(promise: Promise<unknown>): Promise<{ code: string; remaining?: number }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HoursError) return { code: error.code, remaining: error.remaining };
    if (error instanceof Error && "code" in error) return { code: String(error.code) };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe.each(testDatabases)("hours and the volunteer book on $name", (kind) => {
  let database: DatabaseHandle;
  const volunteer = 7_100_000_001;
  const organizer = 7_100_000_002;
  const coordinator = 7_100_000_003;
  const stranger = 7_100_000_004;
  const noConsent = 7_100_000_005;
  let orgId: number;
  let pastAction: number;
  let otherPastAction: number;
  let futureAction: number;

  async function person(id: number, consent: boolean, firstName = "Айгерім") {
    await touchUser(database.db, id, false);
    await completeOnboarding(database.db, id, {
      language: "ru",
      regionCode: "almaty",
      interests: [],
      consent,
      profile: { firstName, lastName: "Сейітқызы" },
    });
  }

  async function action(values: {
    title: string;
    startsAt: Date;
    hours: number;
    category?: string;
    createdBy?: number;
  }) {
    const [row] = await database.db
      .insert(actions)
      .values({
        organizationId: orgId,
        titleRu: values.title,
        category: values.category ?? "ecology",
        regionCode: "almaty",
        latitude: 43.25,
        longitude: 76.95,
        startsAt: values.startsAt,
        endsAt: new Date(values.startsAt.getTime() + 3 * HOUR),
        capacity: 10,
        hours: values.hours,
        createdBy: values.createdBy,
      })
      .returning({ id: actions.id });
    return row!.id;
  }

  async function join(actionId: number, userId: number, status: "joined" | "left" = "joined") {
    await database.db.insert(participations).values({ actionId, userId, status });
  }

  beforeAll(async () => {
    database = await kind.open();
    await person(volunteer, true, '<b>Ayan & "Co"</b>');
    await person(organizer, true, "Ұйымдастырушы");
    await person(coordinator, true, "Үйлестіруші");
    await person(stranger, true, "Бөгде");
    await person(noConsent, false);
    await database.db.update(users).set({ role: "organizer" }).where(eq(users.id, organizer));
    await database.db.update(users).set({ role: "coordinator" }).where(eq(users.id, coordinator));
    const [org] = await database.db
      .insert(organizations)
      .values({ status: "approved", nameRu: "Жасыл Ел & <Co>", ownerId: organizer })
      .returning();
    orgId = org!.id;
    pastAction = await action({
      title: "Субботник в парке",
      startsAt: new Date(NOW.getTime() - 3 * 24 * HOUR),
      hours: 3,
    });
    otherPastAction = await action({
      title: "Помощь приюту",
      startsAt: new Date(NOW.getTime() - 10 * 24 * HOUR),
      hours: 2,
      category: "animals",
    });
    futureAction = await action({ title: "Марафон", startsAt: new Date(NOW.getTime() + 2 * 24 * HOUR), hours: 4 });
    await join(pastAction, volunteer);
    await join(otherPastAction, volunteer);
    await join(futureAction, volunteer);
    await join(pastAction, stranger, "left");
  });
  afterAll(() => database.close());

  it("works with days in Asia/Almaty", () => {
    expect(localDay(new Date("2026-03-14T19:30:00Z"))).toBe("2026-03-15"); // 00:30 in Almaty
    expect(shiftDay("2024-02-29", { years: -1 })).toBe("2023-03-01");
    expect(shiftDay("2026-03-01", { days: -1 })).toBe("2026-02-28");
  });

  it("credits attendance once, only to participants of an action that has started, by its organizer", async () => {
    // A pending self-report for the action is superseded by the attendance credit.
    const selfReport = await reportHours(
      database.db,
      { userId: volunteer, actionId: pastAction, date: "2026-03-12", hours: 2 },
      NOW,
    );
    const first = await creditAttendance(
      database.db,
      { actionId: pastAction, userId: volunteer, organizerId: organizer },
      NOW,
    );
    expect(first.created).toBe(true);
    expect(first.entry).toMatchObject({
      source: "attendance",
      status: "confirmed",
      hours: 3,
      category: "ecology",
      activityDate: "2026-03-12",
    });
    const again = await creditAttendance(
      database.db,
      { actionId: pastAction, userId: volunteer, organizerId: organizer },
      NOW,
    );
    expect(again).toMatchObject({ created: false, entry: { id: first.entry.id } });
    const credited = await database.db
      .select()
      .from(hourEntries)
      .where(
        and(
          eq(hourEntries.actionId, pastAction),
          eq(hourEntries.userId, volunteer),
          eq(hourEntries.source, "attendance"),
        ),
      );
    expect(credited).toHaveLength(1);
    const [superseded] = await database.db.select().from(hourEntries).where(eq(hourEntries.id, selfReport.id));
    expect(superseded!.status).toBe("rejected");
    const [participation] = await database.db
      .select()
      .from(participations)
      .where(and(eq(participations.actionId, pastAction), eq(participations.userId, volunteer)));
    expect(participation!.attendance).toBe("attended");

    const credit = (actionId: number, userId: number, organizerId = organizer) =>
      refusal(creditAttendance(database.db, { actionId, userId, organizerId }, NOW));
    expect(await credit(futureAction, volunteer)).toMatchObject({ code: "action_not_started" });
    expect(await credit(pastAction, stranger)).toMatchObject({ code: "not_participant" }); // left before
    expect(await credit(pastAction, noConsent)).toMatchObject({ code: "not_participant" });
    expect(await credit(otherPastAction, volunteer, stranger)).toMatchObject({ code: "not_allowed" });
    expect(await credit(999_999, volunteer)).toMatchObject({ code: "action_not_found" });
    // Nobody confirms their own hours.
    expect(await credit(pastAction, organizer, organizer)).toMatchObject({ code: "not_allowed" });
    // A coordinator may credit too.
    expect(
      (
        await creditAttendance(
          database.db,
          { actionId: otherPastAction, userId: volunteer, organizerId: coordinator },
          NOW,
        )
      ).created,
    ).toBe(true);
  });

  it("keeps self-reports within 0.5–24 h a day, within the last year, for joined actions", async () => {
    const report = (values: Partial<Parameters<typeof reportHours>[1]>) =>
      refusal(
        reportHours(
          database.db,
          { userId: stranger, organizationName: "Кітапхана", date: "2026-03-01", hours: 1, ...values },
          NOW,
        ),
      );
    expect(await report({ hours: 0.4 })).toMatchObject({ code: "invalid_hours" });
    expect(await report({ hours: 24.5 })).toMatchObject({ code: "invalid_hours" });
    expect(await report({ hours: 1.25 })).toMatchObject({ code: "invalid_hours" });
    expect(await report({ date: "2026-03-16" })).toMatchObject({ code: "date_in_future" });
    expect(await report({ date: "2025-03-14" })).toMatchObject({ code: "date_too_old" });
    expect(await report({ date: "2026-02-30" })).toMatchObject({ code: "invalid_date" });
    expect(await report({ organizationName: "   " })).toMatchObject({ code: "organization_required" });
    expect(await report({ organizationName: undefined, actionId: futureAction })).toMatchObject({
      code: "not_participant",
    });
    expect(await report({ organizationName: undefined, actionId: pastAction })).toMatchObject({
      code: "not_participant",
    });

    const ok = (values: Partial<Parameters<typeof reportHours>[1]>) =>
      reportHours(
        database.db,
        { userId: stranger, organizationName: "Кітапхана", date: "2026-03-01", hours: 1, ...values },
        NOW,
      );
    expect(await ok({ date: "2025-03-15", hours: 0.5 })).toMatchObject({
      status: "pending",
      activityDate: "2025-03-15",
    });
    expect(await ok({ date: TODAY, hours: 20, category: "education", note: "  Читали детям  " })).toMatchObject({
      source: "self",
      status: "pending",
      organizationName: "Кітапхана",
      category: "education",
      note: "Читали детям",
    });
    expect(await report({ date: TODAY, hours: 4.5 })).toEqual({ code: "daily_limit", remaining: 4 });
    await ok({ date: TODAY, hours: 4 });
    expect(await remainingHoursOn(database.db, stranger, TODAY)).toBe(0);
    expect(await report({ date: TODAY, hours: 0.5 })).toEqual({ code: "daily_limit", remaining: 0 });

    // Joined actions: a future one is refused, a past one once.
    expect(
      await refusal(
        reportHours(database.db, { userId: volunteer, actionId: futureAction, date: TODAY, hours: 2 }, NOW),
      ),
    ).toMatchObject({
      code: "action_not_started",
    });
    expect(
      await refusal(
        reportHours(database.db, { userId: volunteer, actionId: pastAction, date: "2026-03-12", hours: 2 }, NOW),
      ),
    ).toMatchObject({
      code: "already_reported",
    });
  });

  it("never lets simultaneous reports pass the daily limit", async () => {
    const results = await Promise.allSettled(
      [10, 10, 10].map((hours) =>
        reportHours(database.db, { userId: stranger, organizationName: "Параллель", date: "2026-02-01", hours }, NOW),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    expect(await remainingHoursOn(database.db, stranger, "2026-02-01")).toBe(4);
  });

  it("lets the action's organizer or a coordinator decide, and tells the volunteer", async () => {
    const actionId = await action({
      title: "Уборка <берега> & пляжа",
      startsAt: new Date(NOW.getTime() - 24 * HOUR),
      hours: 2,
      createdBy: organizer,
    });
    await join(actionId, volunteer);
    const [actionOffered] = await pastJoinedActions(database.db, volunteer, "ru", NOW);
    expect(actionOffered).toMatchObject({ id: actionId, title: "Уборка <берега> & пляжа" });
    expect(typeof actionOffered!.startsAt).toBe("string");

    const entry = await reportHours(database.db, { userId: volunteer, actionId, date: "2026-03-14", hours: 2.5 }, NOW);
    expect((await pastJoinedActions(database.db, volunteer, "ru", NOW)).map((a) => a.id)).not.toContain(actionId);
    expect(await refusal(decideHours(database.db, entry.id, volunteer, "confirmed"))).toMatchObject({
      code: "not_allowed",
    });
    expect(await refusal(decideHours(database.db, entry.id, stranger, "confirmed"))).toMatchObject({
      code: "not_allowed",
    });
    expect(await refusal(decideHours(database.db, 999_999, organizer, "confirmed"))).toMatchObject({
      code: "entry_not_found",
    });
    const decided = await decideHours(database.db, entry.id, organizer, "confirmed");
    expect(decided).toMatchObject({ status: "confirmed", decidedBy: organizer });
    expect(decided.decidedAt).toBeInstanceOf(Date);
    expect((await decideHours(database.db, entry.id, organizer, "confirmed")).status).toBe("confirmed"); // repeated: no change
    expect(await refusal(decideHours(database.db, entry.id, organizer, "rejected"))).toMatchObject({
      code: "already_decided",
    });
    const notices = await database.db
      .select()
      .from(outbox)
      .where(eq(outbox.idempotencyKey, `hours-decided:${entry.id}`));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.chatId).toBe(volunteer);
    expect(notices[0]!.payload).toMatchObject({
      template: "hours.notify_confirmed",
      locale: "ru",
      params: { hours: "2,5", what: "Уборка <берега> & пляжа" },
    });

    // A free-form organization has no organizer in the bot: only a coordinator decides.
    const free = await reportHours(
      database.db,
      { userId: volunteer, organizationName: "Қайырымдылық қоры", date: "2026-03-13", hours: 1 },
      NOW,
    );
    expect(await refusal(decideHours(database.db, free.id, organizer, "rejected"))).toMatchObject({
      code: "not_allowed",
    });
    expect((await decideHours(database.db, free.id, coordinator, "rejected")).status).toBe("rejected");
    // What the volunteer typed goes into the notice as their text (erased if they withdraw consent), rendered as is.
    const [notice] = await database.db
      .select()
      .from(outbox)
      .where(eq(outbox.idempotencyKey, `hours-decided:${free.id}`));
    expect(notice!.payload).toMatchObject({ params: { what: { $typed: "Қайырымдылық қоры" } } });
    const rendered = render(await createI18n(), notice!.payload as OutboxPayload, renderOutboxButton);
    expect((rendered.params as { text: string }).text).toContain("Қайырымдылық қоры");
  });

  it("sums hours by status, category and month with GROUP BY", async () => {
    const id = 7_100_000_010;
    await person(id, true);
    const entries = [
      { date: "2026-03-10", hours: 2, category: "ecology", status: "confirmed" },
      { date: "2026-03-11", hours: 1.5, category: "ecology", status: "pending" },
      { date: "2026-02-28", hours: 3, category: "education", status: "confirmed" },
      { date: "2026-02-01", hours: 4, category: null, status: "confirmed" },
      { date: "2026-01-31", hours: 5, category: "ecology", status: "rejected" },
    ] as const;
    await database.db.insert(hourEntries).values(
      entries.map((e) => ({
        userId: id,
        source: "self" as const,
        organizationName: "Ұйым",
        category: e.category,
        activityDate: e.date,
        hours: e.hours,
        status: e.status,
      })),
    );
    expect(await hoursSummary(database.db, id)).toEqual({
      confirmed: 9,
      pending: 1.5,
      byCategory: [
        { category: "other", confirmed: 4, pending: 0 },
        { category: "education", confirmed: 3, pending: 0 },
        { category: "ecology", confirmed: 2, pending: 1.5 },
      ],
      byMonth: [
        { month: "2026-03", confirmed: 2, pending: 1.5 },
        { month: "2026-02", confirmed: 7, pending: 0 },
      ],
      // The pending 1.5 names a free-form organization: nobody in the bot can confirm it.
      pendingOutside: 1.5,
    });
    expect(await hoursSummary(database.db, 7_100_000_099)).toEqual({
      confirmed: 0,
      pending: 0,
      byCategory: [],
      byMonth: [],
      pendingOutside: 0,
    });
  });

  it("picks the semester, year and last 12 months", () => {
    expect(periodRange("semester", "2026-10-05")).toEqual({ from: "2026-09-01", to: "2027-01-31" });
    expect(periodRange("semester", "2027-01-20")).toEqual({ from: "2026-09-01", to: "2027-01-31" });
    expect(periodRange("semester", "2026-03-15")).toEqual({ from: "2026-02-01", to: "2026-06-30" });
    expect(periodRange("semester", "2026-07-15")).toEqual({ from: "2026-02-01", to: "2026-06-30" });
    expect(periodRange("year", "2026-03-15")).toEqual({ from: "2026-01-01", to: "2026-12-31" });
    expect(periodRange("12m", "2026-03-15")).toEqual({ from: "2025-03-16", to: "2026-03-15" });
  });

  it("keeps no hour records for a user without consent", async () => {
    const report = reportHours(
      database.db,
      { userId: noConsent, organizationName: "Кітапхана", date: "2026-03-01", hours: 1 },
      NOW,
    );
    expect(await refusal(report)).toMatchObject({ code: "consent_required" });
  });

  it("issues a volunteer book of confirmed hours under an unguessable code", async () => {
    expect(await refusal(issueVolunteerBook(database.db, noConsent, "all", NOW))).toMatchObject({
      code: "consent_required",
    });
    expect(await issueVolunteerBook(database.db, stranger, "semester", NOW)).toEqual({
      status: "empty",
      range: { from: "2026-02-01", to: "2026-06-30" },
    });

    // The book prints the full name as in the ID: asked once, before the first book.
    expect(await issueVolunteerBook(database.db, volunteer, "all", NOW)).toEqual({ status: "name_needed" });
    expect(checkFullName("Әлия")).toEqual({ error: "one_word" });
    expect(checkFullName('<b>Ayan & "Co"</b>')).toEqual({ error: "not_a_name" });
    expect(checkFullName("   ")).toEqual({ error: "empty" });
    expect(checkFullName(`${"А".repeat(60)} ${"Б".repeat(60)}`)).toEqual({ error: "too_long" });
    expect(checkFullName(" Сейітқызы \t Әлия-Гүл\u202e ")).toEqual({ name: "Сейітқызы Әлия-Гүл" });
    await setFullName(database.db, volunteer, "Сейітқызы Әлия-Гүл");
    const issued = await issueVolunteerBook(database.db, volunteer, "all", NOW);
    if (issued.status !== "issued") throw new Error("expected a book");
    const { book, entries } = issued;
    expect(book.code).toMatch(/^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{10}$/);
    expect(book).toMatchObject({
      userId: volunteer,
      holderName: "Сейітқызы Әлия-Гүл",
      periodTo: TODAY,
      entries: 3,
      totalHours: 7.5,
    });
    expect(book.periodFrom).toBe(entries[0]!.date);
    expect(entries.map((e) => [e.date, e.action, e.organization, e.hours])).toEqual([
      ["2026-03-05", "Помощь приюту", "Жасыл Ел & <Co>", 2],
      ["2026-03-12", "Субботник в парке", "Жасыл Ел & <Co>", 3],
      ["2026-03-14", "Уборка <берега> & пляжа", "Жасыл Ел & <Co>", 2.5],
    ]);
    expect(await findVolunteerBook(database.db, book.code.toLowerCase().replace(/(.{5})/, "$1-"))).toMatchObject({
      code: book.code,
    });
    expect(await findVolunteerBook(database.db, "AAAAAAAAAA")).toBeUndefined();
    expect(normalizeBookCode("O0I1")).toBeUndefined();

    // The same period with the same entries reuses its book and code: pressing again makes no new row.
    const codes = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const again = await issueVolunteerBook(database.db, volunteer, "12m", NOW);
      if (again.status === "issued") codes.add(again.book.code);
    }
    expect(codes.size).toBe(1);
    expect(codes.has(book.code)).toBe(false);
    expect(await issueVolunteerBook(database.db, volunteer, "all", NOW)).toMatchObject({
      reused: true,
      book: { code: book.code },
    });
    expect(await database.db.select().from(volunteerBooks).where(eq(volunteerBooks.userId, volunteer))).toHaveLength(2);

    expect(book.printedEntries).toEqual(
      entries.map((e) => ({ date: e.date, organization: e.organization, action: e.action, hours: e.hours })),
    );
    const csv = volunteerBookCsv(entries, book, {
      holder: "Владелец",
      period: "Период",
      code: "Код",
      date: "Дата",
      organization: "Организация",
      action: "Акция",
      category: "Направление",
      hours: "Часы",
      total: "Итого",
      categoryName: (c) => c ?? "—",
    });
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.subarray(3).toString("utf8").split("\r\n")).toEqual([
      "Владелец;Сейітқызы Әлия-Гүл",
      `Период;${book.periodFrom.split("-").reverse().join(".")} — ${TODAY.split("-").reverse().join(".")}`,
      `Код;${book.code}`,
      "",
      "Дата;Организация;Акция;Направление;Часы",
      "05.03.2026;Жасыл Ел & <Co>;Помощь приюту;animals;2",
      "12.03.2026;Жасыл Ел & <Co>;Субботник в парке;ecology;3",
      "14.03.2026;Жасыл Ел & <Co>;Уборка <берега> & пляжа;ecology;2,5",
      "Итого;;;;7,5",
      "",
    ]);
  });

  it("renders the book as a PDF with an embedded font", async () => {
    const content = {
      title: "Ерікті кітапшасы",
      author: "Әлия",
      facts: [["Иесі", '<b>Ayan & "Co"</b> — әғқңөұүһі']] as Array<[string, string]>,
      columns: ["Күні", "Ұйым / акция", "Бағыт", "Сағат"] as [string, string, string, string],
      rows: Array.from(
        { length: 40 },
        (_, i) =>
          [
            `0${(i % 9) + 1}.03.2026`,
            `Таза Қазақстан — сенбілік №${i} ${"ұзын атау ".repeat(i % 4)}`,
            "Экология",
            "2,5",
          ] as [string, string, string, string],
      ),
      total: ["Барлығы", "200"] as [string, string],
      code: ["Тексеру коды", "ABCDEFGH23"] as [string, string],
      verification: ["/verify ABCDEFGH23", "https://t.me/erikti_bot?start=v_ABCDEFGH23"],
    };
    // How fast is measured in `npm run bench:book`, not here: a test never depends on an idle machine.
    const pdf = await renderVolunteerBookPdf(content);
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(pdf.includes("FontFile2")).toBe(true);
    expect(pdf.includes("DejaVuSans")).toBe(true);
  });
});
