import { and, desc, eq, gte, inArray, lte, ne, type SQL, sql } from "drizzle-orm";
import { type Database, type Executor, preparedPerDatabase } from "../db/client";
import {
  type Action,
  actions,
  type HourEntry,
  hourEntries,
  organizationMembers,
  organizations,
  participations,
  users,
} from "../db/schema";
import { enqueue, typed } from "../db/outbox";
import type { Locale } from "../i18n";
import { pick, pickSql } from "./localized";
import { TIME_ZONE } from "../core/time";
import { isCategory } from "./categories";
import { cleanText } from "./text";
import { DomainError } from "./users";

export const MIN_HOURS = 0.5;
export const MAX_HOURS_PER_DAY = 24;
export const MAX_ORGANIZATION_LENGTH = 120;
export const MAX_NOTE_LENGTH = 500;

/** A refusal the bot explains to the user; `remaining` is set for the daily limit. */
export class HoursError extends DomainError {
  constructor(
    code: string,
    readonly remaining?: number,
  ) {
    super(code);
    this.name = "HoursError";
  }
}

// ----- dates: activity dates are calendar days in Asia/Almaty, as "YYYY-MM-DD" ----------------------------------

const ISO_DAY = new Intl.DateTimeFormat("en-CA", {
  timeZone: TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/** The calendar day (Asia/Almaty) of an instant. */
export function localDay(instant: Date): string {
  return ISO_DAY.format(instant);
}

/** Adds days, months and years to a "YYYY-MM-DD" day (overflowing dates roll over, as Date.UTC does). */
export function shiftDay(
  day: string,
  { days = 0, months = 0, years = 0 }: { days?: number; months?: number; years?: number },
): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y + years, m - 1 + months, d + days)).toISOString().slice(0, 10);
}

export function isIsoDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  return new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
}

/** Self-reports may cover the last year up to today. */
export function reportableDays(now: Date): { earliest: string; latest: string } {
  const latest = localDay(now);
  return { earliest: shiftDay(latest, { years: -1 }), latest };
}

/** Hours as entered: 0.5–24 with at most one decimal. */
export function isValidHours(hours: number): boolean {
  return (
    Number.isFinite(hours) &&
    hours >= MIN_HOURS &&
    hours <= MAX_HOURS_PER_DAY &&
    Math.abs(hours * 10 - Math.round(hours * 10)) < 1e-9
  );
}

const roundHours = (value: number) => Math.round(value * 10) / 10;

// ----- who may decide ---------------------------------------------------------------------------------------------

/** The action's creator, a member of its (approved) organization, or a coordinator/admin. */
async function mayManageAction(db: Executor, actionId: number | null, userId: number): Promise<boolean> {
  const [person] = await db.select({ role: users.role }).from(users).where(eq(users.id, userId));
  if (!person) return false;
  if (person.role === "coordinator" || person.role === "admin") return true;
  if (actionId === null) return false;
  const [row] = await db
    .select({ createdBy: actions.createdBy, ownerId: organizations.ownerId, status: organizations.status })
    .from(actions)
    .leftJoin(organizations, eq(organizations.id, actions.organizationId))
    .where(eq(actions.id, actionId));
  if (!row) return false;
  if (row.createdBy === userId || row.ownerId === userId) return true;
  if (row.status !== "approved") return false;
  const [member] = await db
    .select({ one: sql`1` })
    .from(organizationMembers)
    .innerJoin(actions, eq(actions.organizationId, organizationMembers.organizationId))
    .where(and(eq(actions.id, actionId), eq(organizationMembers.userId, userId)))
    .limit(1);
  return member !== undefined;
}

// ----- attendance -------------------------------------------------------------------------------------------------

export interface CreditResult {
  entry: HourEntry;
  /** False when the attendance had been credited before (nothing changed). */
  created: boolean;
}

/**
 * The organizer confirms that a participant attended: the action's hours are credited as confirmed, once per action
 * and user. A pending self-report for the same action is superseded (rejected), so the hours never count twice.
 */
export async function creditAttendance(
  db: Database,
  {
    actionId,
    userId,
    organizerId,
    notify = false,
  }: {
    actionId: number;
    userId: number;
    organizerId: number;
    /** Tell the volunteer through the outbox, in the same transaction. */
    notify?: boolean;
  },
  now = new Date(),
): Promise<CreditResult> {
  return db.transaction(async (tx) => {
    const [action] = await tx.select().from(actions).where(eq(actions.id, actionId));
    if (!action) throw new HoursError("action_not_found");
    // Nobody confirms their own hours: an organizer who took part is credited by another member.
    if (userId === organizerId || !(await mayManageAction(tx, actionId, organizerId)))
      throw new HoursError("not_allowed");
    if (action.startsAt > now) throw new HoursError("action_not_started");
    if (!(action.hours >= MIN_HOURS)) throw new HoursError("action_without_hours");
    const [participation] = await tx
      .select({ status: participations.status })
      .from(participations)
      .where(and(eq(participations.actionId, actionId), eq(participations.userId, userId)))
      .for("update");
    if (participation?.status !== "joined") throw new HoursError("not_participant");

    const [created] = await tx
      .insert(hourEntries)
      .values({
        userId,
        source: "attendance",
        actionId,
        category: action.category,
        activityDate: localDay(action.startsAt),
        hours: Math.min(action.hours, MAX_HOURS_PER_DAY),
        status: "confirmed",
        decidedBy: organizerId,
        decidedAt: now,
      })
      .onConflictDoNothing({ target: [hourEntries.actionId, hourEntries.userId], where: sql`source = 'attendance'` })
      .returning();
    if (!created) {
      const [existing] = await tx
        .select()
        .from(hourEntries)
        .where(
          and(eq(hourEntries.actionId, actionId), eq(hourEntries.userId, userId), eq(hourEntries.source, "attendance")),
        );
      return { entry: existing!, created: false };
    }
    await tx
      .update(participations)
      .set({ attendance: "attended", updatedAt: now })
      .where(and(eq(participations.actionId, actionId), eq(participations.userId, userId)));
    await tx
      .update(hourEntries)
      .set({ status: "rejected", decidedBy: organizerId, decidedAt: now })
      .where(
        and(
          eq(hourEntries.actionId, actionId),
          eq(hourEntries.userId, userId),
          eq(hourEntries.source, "self"),
          eq(hourEntries.status, "pending"),
        ),
      );
    if (notify) {
      const [volunteer] = await tx.select({ language: users.language }).from(users).where(eq(users.id, userId));
      const locale = volunteer?.language === "ru" ? "ru" : "kk";
      await enqueue(tx, {
        chatId: userId,
        idempotencyKey: `hours-attended:${created.id}`,
        content: {
          template: "hours.notify_attended",
          params: {
            hours: String(created.hours).replace(".", ","),
            date: { $date: `${created.activityDate}T12:00:00Z` },
            what: pick(action.titleKk, action.titleRu, locale),
          },
          locale,
          buttons: [[{ kind: "open.hours" }]],
        },
      });
    }
    return { entry: created, created: true };
  });
}

// ----- self-reports -----------------------------------------------------------------------------------------------

export interface HoursReport {
  userId: number;
  /** One of the user's past joined actions… */
  actionId?: number;
  /** …or a free-form organization. */
  organizationName?: string;
  category?: string;
  /** "YYYY-MM-DD", the day in Asia/Almaty. */
  date: string;
  hours: number;
  note?: string;
  /** From the conversation step that reports: a second report with the same key returns the first row. */
  idempotencyKey?: string;
}

/** The sum of the hours of the entries that match. */
async function sumOfHours(db: Executor, where: SQL | undefined): Promise<number> {
  const [row] = await db
    .select({ total: sql<number>`coalesce(sum(${hourEntries.hours}), 0)`.mapWith(Number) })
    .from(hourEntries)
    .where(where);
  return row?.total ?? 0;
}

/** Hours already logged (pending or confirmed) by the user on a day. */
function loggedOn(db: Executor, userId: number, day: string): Promise<number> {
  return sumOfHours(
    db,
    and(
      eq(hourEntries.userId, userId),
      eq(hourEntries.activityDate, day),
      inArray(hourEntries.status, ["pending", "confirmed"]),
    ),
  );
}

/** How many more hours the user may log on that day. */
export async function remainingHoursOn(db: Executor, userId: number, day: string): Promise<number> {
  return roundHours(Math.max(0, MAX_HOURS_PER_DAY - (await loggedOn(db, userId, day))));
}

/**
 * A self-report: pending until an organizer decides. At most 24 h per user and day in total (pending and
 * confirmed), for a day within the last year and not in the future; an action must be one the user joined and that
 * has started. Reports of one user are serialized on the user's row, so two at once cannot pass the daily limit.
 */
export async function reportHours(db: Database, report: HoursReport, now = new Date()): Promise<HourEntry> {
  if (!isValidHours(report.hours)) throw new HoursError("invalid_hours");
  if (!isIsoDay(report.date)) throw new HoursError("invalid_date");
  const { earliest, latest } = reportableDays(now);
  if (report.date > latest) throw new HoursError("date_in_future");
  if (report.date < earliest) throw new HoursError("date_too_old");
  const checkedNote =
    report.note == null ? undefined : cleanText(report.note, { max: MAX_NOTE_LENGTH, multiline: true });
  if (checkedNote && "error" in checkedNote && checkedNote.error === "too_long") throw new HoursError("note_too_long");
  const note = checkedNote && "text" in checkedNote ? checkedNote.text : null;

  return db.transaction(async (tx) => {
    const [user] = await tx
      .select({ id: users.id, consentAt: users.consentAt })
      .from(users)
      .where(eq(users.id, report.userId))
      .for("update");
    if (!user) throw new HoursError("user_not_found");
    if (report.idempotencyKey !== undefined) {
      const [done] = await tx
        .select()
        .from(hourEntries)
        .where(and(eq(hourEntries.idempotencyKey, report.idempotencyKey), eq(hourEntries.userId, report.userId)));
      if (done) return done; // a replay of a report that was stored before a crash
    }
    // Hour records (organizations, notes) are personal data: kept only with consent.
    if (!user.consentAt) throw new HoursError("consent_required");

    let target: { actionId: number | null; organizationName: string | null; category: string | null };
    if (report.actionId !== undefined) {
      const action = await joinedAction(tx, report.userId, report.actionId);
      if (!action) throw new HoursError("not_participant");
      if (action.startsAt > now) throw new HoursError("action_not_started");
      const [already] = await tx
        .select({ id: hourEntries.id })
        .from(hourEntries)
        .where(
          and(
            eq(hourEntries.userId, report.userId),
            eq(hourEntries.actionId, action.id),
            ne(hourEntries.status, "rejected"),
          ),
        )
        .limit(1);
      if (already) throw new HoursError("already_reported");
      target = { actionId: action.id, organizationName: null, category: action.category };
    } else {
      const checked = cleanText(report.organizationName, { max: MAX_ORGANIZATION_LENGTH });
      if ("error" in checked)
        throw new HoursError(checked.error === "empty" ? "organization_required" : "organization_too_long");
      const organizationName = checked.text;
      target = { actionId: null, organizationName, category: isCategory(report.category) ? report.category : null };
    }

    const remaining = MAX_HOURS_PER_DAY - (await loggedOn(tx, report.userId, report.date));
    if (report.hours > remaining + 1e-9) throw new HoursError("daily_limit", roundHours(Math.max(0, remaining)));

    const [entry] = await tx
      .insert(hourEntries)
      .values({
        userId: report.userId,
        source: "self",
        ...target,
        activityDate: report.date,
        hours: report.hours,
        note,
        status: "pending",
        idempotencyKey: report.idempotencyKey,
      })
      .returning();
    return entry!;
  });
}

async function joinedAction(db: Executor, userId: number, actionId: number): Promise<Action | undefined> {
  const [row] = await db
    .select({ action: actions })
    .from(actions)
    .innerJoin(participations, and(eq(participations.actionId, actions.id), eq(participations.userId, userId)))
    .where(and(eq(actions.id, actionId), eq(participations.status, "joined"), ne(actions.status, "cancelled")));
  return row?.action;
}

export interface PastAction {
  id: number;
  title: string;
  category: string;
  /** ISO instant. */
  startsAt: string;
  hours: number;
}

/** Actions the user joined that have started within the last year and are not yet in their hours, latest first. */
export async function pastJoinedActions(
  db: Database,
  userId: number,
  locale: Locale,
  now = new Date(),
  limit = 8,
): Promise<PastAction[]> {
  const rows = await db
    .select({
      id: actions.id,
      title: pickSql(actions.titleKk, actions.titleRu, locale),
      category: actions.category,
      startsAt: actions.startsAt,
      hours: actions.hours,
    })
    .from(actions)
    .innerJoin(participations, and(eq(participations.actionId, actions.id), eq(participations.userId, userId)))
    .where(
      and(
        eq(participations.status, "joined"),
        ne(actions.status, "cancelled"),
        lte(actions.startsAt, now),
        gte(actions.startsAt, new Date(`${reportableDays(now).earliest}T00:00:00+05:00`)),
        sql`not exists (select 1 from ${hourEntries} where ${hourEntries.actionId} = ${actions.id}
              and ${hourEntries.userId} = ${userId} and ${hourEntries.status} <> 'rejected')`,
      ),
    )
    .orderBy(desc(actions.startsAt))
    .limit(limit);
  return rows.map((r) => ({ ...r, startsAt: r.startsAt.toISOString() }));
}

// ----- decisions --------------------------------------------------------------------------------------------------

/**
 * An organizer (of the entry's action) or a coordinator confirms or rejects a pending self-report; nobody decides
 * their own. The volunteer is told through the outbox, in the same transaction.
 */
export async function decideHours(
  db: Database,
  entryId: number,
  deciderId: number,
  decision: "confirmed" | "rejected",
  now = new Date(),
  /** The organizer's reason for a rejection, told to the volunteer. */
  reason?: string,
): Promise<HourEntry> {
  return db.transaction(async (tx) => {
    const [entry] = await tx.select().from(hourEntries).where(eq(hourEntries.id, entryId)).for("update");
    if (!entry) throw new HoursError("entry_not_found");
    if (entry.userId === deciderId || !(await mayManageAction(tx, entry.actionId, deciderId)))
      throw new HoursError("not_allowed");
    if (entry.status === decision) return entry;
    if (entry.status !== "pending") throw new HoursError("already_decided");
    const [decided] = await tx
      .update(hourEntries)
      .set({
        status: decision,
        decidedBy: deciderId,
        decidedAt: now,
        rejectReason: decision === "rejected" ? (reason ?? null) : null,
      })
      .where(eq(hourEntries.id, entryId))
      .returning();

    const [volunteer] = await tx.select({ language: users.language }).from(users).where(eq(users.id, entry.userId));
    // An action's title, or the organization the volunteer typed (their text: erased if they withdraw consent).
    const what = entry.actionId
      ? (
          await tx
            .select({ title: pickSql(actions.titleKk, actions.titleRu, volunteer?.language === "ru" ? "ru" : "kk") })
            .from(actions)
            .where(eq(actions.id, entry.actionId))
        )[0]?.title
      : entry.organizationName && typed(entry.organizationName);
    await enqueue(tx, {
      chatId: entry.userId,
      idempotencyKey: `hours-decided:${entry.id}`,
      content: {
        template:
          decision === "confirmed"
            ? "hours.notify_confirmed"
            : reason
              ? "hours.notify_rejected_reason"
              : "hours.notify_rejected",
        params: {
          reason: reason ?? "",
          hours: String(entry.hours).replace(".", ","), // both languages write a decimal comma
          date: { $date: `${entry.activityDate}T12:00:00Z` }, // noon UTC: the same day in Asia/Almaty
          what: what ?? "",
        },
        locale: volunteer?.language === "ru" ? "ru" : "kk",
        buttons: [[{ kind: "open.hours" }]],
      },
    });
    return decided!;
  });
}

// ----- summary ----------------------------------------------------------------------------------------------------

export interface HoursTotals {
  confirmed: number;
  pending: number;
}

export interface HoursSummary extends HoursTotals {
  /** Category "other" also holds entries without one; largest confirmed first. */
  byCategory: Array<HoursTotals & { category: string }>;
  /** "YYYY-MM" of the activity day (already an Asia/Almaty day), latest first. */
  byMonth: Array<HoursTotals & { month: string }>;
  /**
   * Pending self-reported hours that name a free-form organization (no action of the bot): no organizer's queue
   * holds them, so they stay pending; the hours screen says so.
   */
  pendingOutside: number;
}

const confirmedSum =
  sql<number>`coalesce(sum(${hourEntries.hours}) filter (where ${hourEntries.status} = 'confirmed'), 0)`.mapWith(
    Number,
  );
const pendingSum =
  sql<number>`coalesce(sum(${hourEntries.hours}) filter (where ${hourEntries.status} = 'pending'), 0)`.mapWith(Number);

/** Totals, by category and by month, in one statement (grouping sets): the hours screen is a hot path. */
const summaryQuery = preparedPerDatabase((db) => {
  const counted = and(
    eq(hourEntries.userId, sql.placeholder("userId")),
    inArray(hourEntries.status, ["pending", "confirmed"]),
  );
  const category = sql<string>`coalesce(${hourEntries.category}, 'other')`;
  const month = sql<string>`to_char(${hourEntries.activityDate}, 'YYYY-MM')`;
  return db
    .select({
      grouped: sql<number>`grouping(${category}, ${month})`.mapWith(Number),
      category,
      month,
      confirmed: confirmedSum,
      pending: pendingSum,
      outside: sql<number>`coalesce(sum(${hourEntries.hours}) filter (where ${hourEntries.status} = 'pending'
        and ${hourEntries.source} = 'self' and ${hourEntries.actionId} is null), 0)`.mapWith(Number),
    })
    .from(hourEntries)
    .where(counted)
    .groupBy(sql`grouping sets ((), (${category}), (${month}))`)
    .prepare("hours_summary");
});

export async function hoursSummary(db: Database, userId: number): Promise<HoursSummary> {
  const rows = await summaryQuery(db).execute({ userId });
  // grouping(): bit 1 set when category is rolled up, bit 0 when month is; 3 is the grand total.
  const total = rows.find((r) => r.grouped === 3);
  const byCategory = rows
    .filter((r) => r.grouped === 1)
    .map(({ category, confirmed, pending }) => ({ category, confirmed, pending }))
    .sort((a, b) => b.confirmed - a.confirmed || b.pending - a.pending || a.category.localeCompare(b.category));
  const byMonth = rows
    .filter((r) => r.grouped === 2)
    .map(({ month, confirmed, pending }) => ({ month, confirmed, pending }))
    .sort((a, b) => b.month.localeCompare(a.month));
  return {
    confirmed: total?.confirmed ?? 0,
    pending: total?.pending ?? 0,
    byCategory,
    byMonth,
    pendingOutside: total?.outside ?? 0,
  };
}

// ----- confirmed entries (the volunteer book) ---------------------------------------------------------------------

export interface ConfirmedEntry {
  date: string;
  /** The action's title (with its organization when known), or the free-form organization. */
  action: string | null;
  organization: string | null;
  category: string | null;
  hours: number;
}

/** Confirmed hours of a user between two days (inclusive), oldest first. */
export async function confirmedEntries(
  db: Executor,
  userId: number,
  from: string,
  to: string,
  locale: Locale,
): Promise<ConfirmedEntry[]> {
  return db
    .select({
      date: hourEntries.activityDate,
      action: sql<string | null>`nullif(${pickSql(actions.titleKk, actions.titleRu, locale)}, '')`,
      organization: sql<
        string | null
      >`coalesce(${hourEntries.organizationName}, nullif(${pickSql(organizations.nameKk, organizations.nameRu, locale)}, ''))`,
      category: hourEntries.category,
      hours: hourEntries.hours,
    })
    .from(hourEntries)
    .leftJoin(actions, eq(actions.id, hourEntries.actionId))
    .leftJoin(organizations, eq(organizations.id, actions.organizationId))
    .where(
      and(
        eq(hourEntries.userId, userId),
        eq(hourEntries.status, "confirmed"),
        gte(hourEntries.activityDate, from),
        lte(hourEntries.activityDate, to),
      ),
    )
    .orderBy(hourEntries.activityDate, hourEntries.id);
}

/** The first day with confirmed hours (for an "all time" book). */
export async function firstConfirmedDay(db: Executor, userId: number): Promise<string | undefined> {
  const [row] = await db
    .select({ day: sql<string | null>`min(${hourEntries.activityDate})::text` })
    .from(hourEntries)
    .where(and(eq(hourEntries.userId, userId), eq(hourEntries.status, "confirmed")));
  return row?.day ?? undefined;
}
