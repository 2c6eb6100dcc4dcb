import { randomBytes } from "node:crypto";
import { and, asc, eq, exists, gte, inArray, isNull, lt, lte, ne, or, sql } from "drizzle-orm";
import type { Database, Executor } from "../db/client";
import { enqueue } from "../db/outbox";
import { type Action, actions, hourEntries, organizations, participations, users } from "../db/schema";
import type { Locale } from "../i18n";
import { actionChanged } from "./action-events";
import { creditAttendance, HoursError } from "./hours";
import { pick, pickSql } from "./localized";

// ----- the check-in code ------------------------------------------------------------------------------------------

/** Check-in opens this long before the start and closes at the end. */
export const CHECKIN_OPENS_BEFORE_MS = 3_600_000;

/** 18 random bytes: 24 characters of base64url, fit for a `/start c_<token>` payload and not guessable. */
export function newCheckinToken(): string {
  return randomBytes(18).toString("base64url");
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{24}$/;

/** The action's check-in token, created on first use and kept (the printed QR code stays valid). */
export async function checkinTokenOf(db: Executor, actionId: number): Promise<string> {
  for (;;) {
    const [row] = await db
      .update(actions)
      .set({ checkinToken: sql`coalesce(${actions.checkinToken}, ${newCheckinToken()})` })
      .where(eq(actions.id, actionId))
      .returning({ token: actions.checkinToken });
    if (!row) throw new HoursError("action_not_found");
    if (row.token) return row.token;
  }
}

export type CheckinResult =
  | { status: "checked_in"; action: Action; walkIn: boolean }
  | { status: "already"; action: Action; at: Date }
  | { status: "invalid" }
  | { status: "cancelled"; action: Action }
  | { status: "too_early" | "ended"; action: Action; opensAt: Date }
  | { status: "not_joined"; action: Action }
  | { status: "full"; action: Action };

/**
 * A volunteer opened the check-in link at the venue: between an hour before the start and the end, a joined
 * participant is checked in. When the action takes walk-ins, someone who did not join joins now (counted against the
 * capacity like any join: the capacity is what the organizer can host); a full action refuses a walk-in, who then
 * talks to the organizer at the venue. Decided under the action's row lock, like joins.
 */
export async function checkIn(db: Database, token: string, userId: number, now = new Date()): Promise<CheckinResult> {
  if (!TOKEN_PATTERN.test(token)) return { status: "invalid" };
  return db.transaction(async (tx) => {
    const [action] = await tx.select().from(actions).where(eq(actions.checkinToken, token)).for("update");
    if (!action || action.status === "draft") return { status: "invalid" };
    if (action.status === "cancelled") return { status: "cancelled", action };
    const opensAt = new Date(action.startsAt.getTime() - CHECKIN_OPENS_BEFORE_MS);
    if (now < opensAt) return { status: "too_early", action, opensAt };
    if (now > action.endsAt) return { status: "ended", action, opensAt };

    const [current] = await tx
      .select({ status: participations.status, checkedInAt: participations.checkedInAt })
      .from(participations)
      .where(and(eq(participations.actionId, action.id), eq(participations.userId, userId)))
      .for("update");
    if (current?.status === "joined") {
      if (current.checkedInAt) return { status: "already", action, at: current.checkedInAt };
      await tx
        .update(participations)
        .set({ checkedInAt: now, updatedAt: now })
        .where(and(eq(participations.actionId, action.id), eq(participations.userId, userId)));
      return { status: "checked_in", action, walkIn: false };
    }
    if (!action.walkIns) return { status: "not_joined", action };
    if (action.capacity !== null && action.participantsCount >= action.capacity) return { status: "full", action };
    await tx
      .insert(participations)
      .values({ actionId: action.id, userId, status: "joined", checkedInAt: now })
      .onConflictDoUpdate({
        target: [participations.actionId, participations.userId],
        set: { status: "joined", checkedInAt: now, attendance: null, updatedAt: now },
      });
    await tx
      .update(actions)
      .set({ participantsCount: sql`${actions.participantsCount} + 1`, updatedAt: now })
      .where(eq(actions.id, action.id));
    await actionChanged(tx, action.id, now); // one spot fewer on the channel posts
    return { status: "checked_in", action, walkIn: true };
  });
}

// ----- actions of an organization ---------------------------------------------------------------------------------

export interface OrganizerAction {
  id: number;
  title: string;
  startsAt: Date;
  endsAt: Date;
}

/**
 * The organizations' published actions that run today (Asia/Almaty) or whose check-in is open now, by start. The second
 * half matters near midnight: at 23:50 an action starting at 00:30 is tomorrow's, but its volunteers can already check in.
 */
export async function actionsOfToday(
  db: Database,
  organizationIds: readonly number[],
  locale: Locale,
  now = new Date(),
): Promise<OrganizerAction[]> {
  if (organizationIds.length === 0) return [];
  const day = sql`(${now.toISOString()}::timestamptz at time zone 'Asia/Almaty')::date`;
  return db
    .select({
      id: actions.id,
      title: pickSql(actions.titleKk, actions.titleRu, locale),
      startsAt: actions.startsAt,
      endsAt: actions.endsAt,
    })
    .from(actions)
    .where(
      and(
        inArray(actions.organizationId, [...organizationIds]),
        eq(actions.status, "published"),
        or(
          and(
            sql`(${actions.startsAt} at time zone 'Asia/Almaty')::date <= ${day}`,
            sql`(${actions.endsAt} at time zone 'Asia/Almaty')::date >= ${day}`,
          ),
          and(lte(actions.startsAt, new Date(now.getTime() + CHECKIN_OPENS_BEFORE_MS)), gte(actions.endsAt, now)),
        ),
      ),
    )
    .orderBy(asc(actions.startsAt), asc(actions.id))
    .limit(20);
}

// ----- attendance -------------------------------------------------------------------------------------------------

export type Attendance = "attended" | "no_show";

export interface Attendee {
  userId: number;
  name: string;
  checkedIn: boolean;
  /** What the organizer set, else attended when checked in, else no-show. */
  attendance: Attendance;
  /** The action's hours are credited already. */
  credited: boolean;
}

const displayName = sql<string>`coalesce(nullif(trim(concat_ws(' ', ${users.firstName}, ${users.lastName})), ''),
  '@' || ${users.username}, ${users.id}::text)`;

/** The joined participants, by name, with check-ins, attendance and what has been credited. */
export async function attendanceList(db: Executor, actionId: number): Promise<Attendee[]> {
  const rows = await db
    .select({
      userId: participations.userId,
      name: displayName,
      checkedInAt: participations.checkedInAt,
      attendance: participations.attendance,
      credited: sql<boolean>`exists (select 1 from ${hourEntries} where ${hourEntries.actionId} = ${actionId}
        and ${hourEntries.userId} = ${participations.userId} and ${hourEntries.source} = 'attendance')`,
    })
    .from(participations)
    .innerJoin(users, eq(users.id, participations.userId))
    .where(and(eq(participations.actionId, actionId), eq(participations.status, "joined")))
    .orderBy(sql`lower(${displayName})`, asc(participations.userId));
  return rows.map((r) => ({
    userId: r.userId,
    name: r.name,
    checkedIn: r.checkedInAt !== null,
    attendance: r.credited
      ? "attended"
      : r.attendance === "attended" || r.attendance === "no_show"
        ? r.attendance
        : r.checkedInAt
          ? "attended"
          : "no_show",
    credited: Boolean(r.credited),
  }));
}

export type ToggleResult = "toggled" | "not_participant" | "credited";

/** Flips one participant between attended and no-show; hours already credited stay (refused). */
export async function toggleAttendance(
  db: Database,
  actionId: number,
  userId: number,
  now = new Date(),
): Promise<ToggleResult> {
  return db.transaction(async (tx) => {
    const current = (await attendanceList(tx, actionId)).find((a) => a.userId === userId);
    if (!current) return "not_participant";
    if (current.credited) return "credited";
    await tx
      .update(participations)
      .set({ attendance: current.attendance === "attended" ? "no_show" : "attended", updatedAt: now })
      .where(and(eq(participations.actionId, actionId), eq(participations.userId, userId)));
    return "toggled";
  });
}

export type ConfirmAttendanceResult =
  | { status: "confirmed"; credited: number; alreadyCredited: number; noShows: number }
  | { status: "refused"; reason: "cancelled" | "not_started" | "without_hours" | "not_allowed" };

/**
 * Credits the action's hours to every attendee not credited yet (each once: hour_entries_attendance_once), keeps the
 * no-shows as such, and tells each newly credited volunteer through the outbox. Allowed from the action's start:
 * organizers often confirm on site, as people leave. Confirming again credits only the new attendees.
 */
export async function confirmAttendance(
  db: Database,
  actionId: number,
  organizerId: number,
  now = new Date(),
): Promise<ConfirmAttendanceResult> {
  const [action] = await db.select().from(actions).where(eq(actions.id, actionId));
  if (!action || action.status === "cancelled") return { status: "refused", reason: "cancelled" };
  if (action.startsAt > now) return { status: "refused", reason: "not_started" };
  if (!(action.hours >= 0.5)) return { status: "refused", reason: "without_hours" };
  const list = await attendanceList(db, actionId);
  let credited = 0;
  let alreadyCredited = 0;
  for (const person of list) {
    // Their own attendance is confirmed by another member of the organization (creditAttendance refuses it).
    if (person.attendance !== "attended" || person.userId === organizerId) continue;
    if (person.credited) {
      alreadyCredited++;
      continue;
    }
    try {
      const result = await creditAttendance(db, { actionId, userId: person.userId, organizerId, notify: true }, now);
      if (result.created) credited++;
      else alreadyCredited++;
    } catch (error) {
      if (!(error instanceof HoursError)) throw error;
      // The domain's own check (the bot checks first): nothing has changed.
      if (error.code === "not_allowed") return { status: "refused", reason: "not_allowed" };
      // The person left meanwhile: nothing to credit.
      if (error.code !== "not_participant") throw error;
    }
  }
  const noShows = list.filter((a) => a.attendance === "no_show").map((a) => a.userId);
  if (noShows.length > 0)
    await db
      .update(participations)
      .set({ attendance: "no_show", updatedAt: now })
      .where(
        and(
          eq(participations.actionId, actionId),
          inArray(participations.userId, noShows),
          isNull(participations.attendance),
        ),
      );
  return { status: "confirmed", credited, alreadyCredited, noShows: noShows.length };
}

// ----- the organizer is asked to confirm attendance ---------------------------------------------------------------

/** Actions that ended this long ago at most are still asked about (a scheduler back after downtime catches up). */
export const ATTENDANCE_NOTICE_WINDOW_MS = 3 * 24 * 3_600_000;

/**
 * When an action with participants and hours has ended, each member of its organization (or its creator) is asked
 * once to confirm attendance, through the outbox. Not when attendance was already confirmed.
 */
export async function askToConfirmAttendance(db: Executor, now: Date): Promise<number> {
  const ended = await db
    .select({
      id: actions.id,
      titleKk: actions.titleKk,
      titleRu: actions.titleRu,
      organizationId: actions.organizationId,
      createdBy: actions.createdBy,
      endsAt: actions.endsAt,
    })
    .from(actions)
    .where(
      and(
        eq(actions.status, "published"),
        lt(actions.endsAt, now),
        gte(actions.endsAt, new Date(now.getTime() - ATTENDANCE_NOTICE_WINDOW_MS)),
        gte(actions.hours, 0.5),
        exists(
          db
            .select({ one: sql`1` })
            .from(participations)
            .where(and(eq(participations.actionId, actions.id), eq(participations.status, "joined"))),
        ),
        sql`not exists (select 1 from ${hourEntries} where ${hourEntries.actionId} = ${actions.id}
          and ${hourEntries.source} = 'attendance')`,
      ),
    )
    .limit(500);
  let added = 0;
  for (const action of ended) {
    const recipients = await db
      .select({ id: users.id, language: users.language })
      .from(users)
      .where(
        and(
          isNull(users.blockedAt),
          action.organizationId === null
            ? eq(users.id, action.createdBy ?? -1)
            : sql`${users.id} in (select m.user_id from organization_members m join ${organizations} o
                on o.id = m.organization_id where m.organization_id = ${action.organizationId}
                and o.status = 'approved')`,
        ),
      );
    for (const person of recipients) {
      const locale: Locale = person.language === "ru" ? "ru" : "kk";
      added += await enqueue(db, {
        chatId: person.id,
        idempotencyKey: `att-ask:${action.id}:${person.id}`,
        content: {
          template: "attendance.ask_confirm",
          params: { title: pick(action.titleKk, action.titleRu, locale) },
          locale,
          buttons: [[{ kind: "attendance.open", actionId: action.id }]],
        },
      });
    }
  }
  return added;
}

// ----- participants as CSV ----------------------------------------------------------------------------------------

export interface ParticipantRow {
  name: string;
  username: string | null;
  status: "joined" | "waitlisted";
  checkedInAt: Date | null;
  /** Confirmed hours for this action. */
  hours: number;
}

/** Joined and waitlisted participants who gave consent (the others' data is not for export), by status and name. */
export async function participantsForExport(db: Executor, actionId: number): Promise<ParticipantRow[]> {
  const rows = await db
    .select({
      name: displayName,
      username: users.username,
      status: participations.status,
      checkedInAt: participations.checkedInAt,
      hours: sql<number>`coalesce((select sum(${hourEntries.hours}) from ${hourEntries}
        where ${hourEntries.actionId} = ${actionId} and ${hourEntries.userId} = ${participations.userId}
        and ${hourEntries.status} = 'confirmed'), 0)`.mapWith(Number),
    })
    .from(participations)
    .innerJoin(users, eq(users.id, participations.userId))
    .where(
      and(
        eq(participations.actionId, actionId),
        ne(participations.status, "left"),
        sql`${users.consentAt} is not null`,
      ),
    )
    .orderBy(sql`${participations.status} = 'waitlisted'`, sql`lower(${displayName})`);
  return rows as ParticipantRow[];
}
