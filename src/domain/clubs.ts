import { randomInt, randomBytes } from "node:crypto";
import { and, asc, eq, gte, inArray, isNull, like, lte, or, sql } from "drizzle-orm";
import { DAY_MS, localDateKey, localMinuteOfDay, localMoment } from "../core/time";
import type { Database, Executor } from "../db/client";
import { at, enqueue } from "../db/outbox";
import {
  type ClubAnswer,
  clubAnswers,
  clubCoordinators,
  clubMeetingExceptions,
  clubMeetings,
  clubMembers,
  clubs,
  outbox,
  regions,
  users,
} from "../db/schema";
import type { Locale } from "../i18n";
import { pick } from "./localized";

/** The prefix of a club reminder's idempotency key; the scheduler builds the rest in SQL (`clubMeetingReminders`). */
export const CLUB_REMINDER_PREFIX = "club:";
/** The morning-of reminder's key prefix. */
export const CLUB_MORNING_PREFIX = "club-am:";

/**
 * The idempotency key of a member's reminder for one occurrence of a meeting (local date YYYYMMDD): a confirmation is
 * accepted only for a reminder that exists.
 */
export function clubReminderKey(meetingId: number, localDate: string, userId: number): string {
  return `${CLUB_REMINDER_PREFIX}${meetingId}:${localDate}:${userId}`;
}

// ----- join codes -------------------------------------------------------------------------------------------------

/** No 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B: a code read off a wall is typed right. */
export const CLUB_CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479";
export const CLUB_CODE_LENGTH = 6;

function newJoinCode(): string {
  for (;;) {
    const code = Array.from({ length: CLUB_CODE_LENGTH }, () => CLUB_CODE_ALPHABET[randomInt(22)]).join("");
    // A digit and a letter in every code, so a typed word is never taken for one.
    if (/\d/.test(code) && /[A-Z]/.test(code)) return code;
  }
}
const newInviteToken = () => randomBytes(12).toString("base64url");

/** The code as typed ("  kx7-ha4 ") in canonical form, or undefined when it cannot be a club code. */
export function normalizeClubCode(raw: string): string | undefined {
  const code = raw.trim().replace(/[\s-]/g, "").toUpperCase();
  if (code.length !== CLUB_CODE_LENGTH) return undefined;
  if (![...code].every((c) => CLUB_CODE_ALPHABET.includes(c))) return undefined;
  return /\d/.test(code) && /[A-Z]/.test(code) ? code : undefined;
}

// ----- clubs ------------------------------------------------------------------------------------------------------

export interface NewClub {
  nameKk: string | null;
  nameRu: string | null;
  regionCode: string;
  address: string;
  latitude: number | null;
  longitude: number | null;
}

export async function createClub(db: Database, input: NewClub) {
  const [club] = await db
    .insert(clubs)
    .values({ ...input, inviteToken: newInviteToken(), joinCode: newJoinCode() })
    .returning();
  return club!;
}

export type ClubRow = typeof clubs.$inferSelect;

/** The club with its join link and code, made now for a club created before clubs had them. */
export async function withInvite(
  db: Executor,
  club: ClubRow,
): Promise<ClubRow & { inviteToken: string; joinCode: string }> {
  if (club.inviteToken && club.joinCode) return club as ClubRow & { inviteToken: string; joinCode: string };
  for (;;) {
    try {
      const [updated] = await db
        .update(clubs)
        .set({ inviteToken: club.inviteToken ?? newInviteToken(), joinCode: club.joinCode ?? newJoinCode() })
        .where(eq(clubs.id, club.id))
        .returning();
      return updated as ClubRow & { inviteToken: string; joinCode: string };
    } catch (error) {
      // A code another club already has (22^6 codes): draw again.
      if (!String((error as { code?: string }).code ?? error).includes("23505")) throw error;
    }
  }
}
export const clubName = (club: Pick<ClubRow, "nameKk" | "nameRu">, locale: Locale) =>
  pick(club.nameKk, club.nameRu, locale);

export async function clubById(db: Executor, clubId: number): Promise<ClubRow | undefined> {
  if (!Number.isSafeInteger(clubId) || clubId <= 0 || clubId > 2_147_483_647) return undefined;
  const [club] = await db
    .select()
    .from(clubs)
    .where(and(eq(clubs.id, clubId), isNull(clubs.deletedAt)))
    .limit(1);
  return club;
}

export async function isClubCoordinator(db: Executor, clubId: number, userId: number): Promise<boolean> {
  const [row] = await db
    .select({ userId: clubCoordinators.userId })
    .from(clubCoordinators)
    .where(and(eq(clubCoordinators.clubId, clubId), eq(clubCoordinators.userId, userId)))
    .limit(1);
  return Boolean(row);
}

/** The club, when this user is one of its coordinators (the only ones who manage it). */
export async function managedClub(db: Executor, userId: number, clubId: number): Promise<ClubRow | undefined> {
  const club = await clubById(db, clubId);
  return club && (await isClubCoordinator(db, club.id, userId)) ? club : undefined;
}

export async function clubsCoordinatedBy(db: Executor, userId: number): Promise<ClubRow[]> {
  return db
    .select({ club: clubs })
    .from(clubCoordinators)
    .innerJoin(clubs, eq(clubs.id, clubCoordinators.clubId))
    .where(and(eq(clubCoordinators.userId, userId), isNull(clubs.deletedAt)))
    .orderBy(asc(clubs.id))
    .then((rows) => rows.map((r) => r.club));
}

/** Clubs of these regions (all of them for null): the front office's list. */
export async function clubsOfRegions(db: Executor, regionCodes: string[] | null): Promise<ClubRow[]> {
  if (regionCodes?.length === 0) return [];
  return db
    .select()
    .from(clubs)
    .where(and(isNull(clubs.deletedAt), regionCodes ? inArray(clubs.regionCode, regionCodes) : undefined))
    .orderBy(asc(clubs.id))
    .limit(50);
}

export async function regionName(db: Executor, code: string | null, locale: Locale): Promise<string> {
  if (!code) return "—";
  const [row] = await db.select().from(regions).where(eq(regions.code, code)).limit(1);
  return row ? pick(row.nameKk, row.nameRu, locale) : code;
}

/** The language messages to this user go in (Kazakh unless they chose Russian); undefined for an unknown user. */
async function localeOfUser(db: Executor, userId: number): Promise<Locale | undefined> {
  const [user] = await db.select({ language: users.language }).from(users).where(eq(users.id, userId)).limit(1);
  if (!user) return undefined;
  return user.language === "ru" ? "ru" : "kk";
}

/**
 * The language of someone who has finished onboarding: only they can answer an invitation or the phone question
 * (those buttons, like /club, are for onboarded users).
 */
async function localeOfOnboarded(db: Executor, userId: number): Promise<Locale | undefined> {
  const [user] = await db
    .select({ language: users.language })
    .from(users)
    .where(and(eq(users.id, userId), sql`${users.onboardedAt} is not null`))
    .limit(1);
  if (!user) return undefined;
  return user.language === "ru" ? "ru" : "kk";
}

export type AppointResult = "appointed" | "already" | "not_user" | "gone";

/** Locks a club that is not deleted against deletion until the transaction ends (joins and appointments). */
async function liveClub(tx: Executor, clubId: number): Promise<boolean> {
  const [row] = await tx
    .select({ id: clubs.id })
    .from(clubs)
    .where(and(eq(clubs.id, clubId), isNull(clubs.deletedAt)))
    .for("share");
  return Boolean(row);
}

/**
 * Appoints a club coordinator (the front office checked its right first); the user must have started the bot. No
 * phone is taken from whoever appointed them: the new coordinator is asked once per appointment, through the outbox,
 * whether members may see their own phone (setCoordinatorPhone).
 */
export async function appointClubCoordinator(db: Database, clubId: number, userId: number): Promise<AppointResult> {
  return db.transaction(async (tx) => {
    const locale = await localeOfOnboarded(tx, userId);
    if (!locale) return "not_user";
    if (!(await liveClub(tx, clubId))) return "gone";
    const added = await tx
      .insert(clubCoordinators)
      .values({ clubId, userId })
      .onConflictDoNothing()
      .returning({ addedAt: clubCoordinators.addedAt });
    if (added.length === 0) return "already";
    const [club] = await tx.select().from(clubs).where(eq(clubs.id, clubId));
    await enqueue(tx, {
      chatId: userId,
      // Once per appointment (someone removed and appointed again is asked again).
      idempotencyKey: `club-coord-ask:${clubId}:${userId}:${added[0]!.addedAt.getTime()}`,
      content: {
        template: "clubs.phone_ask_notice",
        locale,
        params: { club: clubName(club!, locale) },
        buttons: [
          [
            { kind: "club.phone_share", clubId },
            { kind: "club.phone_no", clubId },
          ],
        ],
      },
    });
    return "appointed";
  });
}

/**
 * The coordinator's own answer: their phone (shared by them, from their own contact) for members to call, or null
 * (not shared, or withdrawn). False when they are not this club's coordinator.
 */
export async function setCoordinatorPhone(
  db: Executor,
  clubId: number,
  userId: number,
  phone: string | null,
  now = new Date(),
): Promise<boolean> {
  const updated = await db
    .update(clubCoordinators)
    .set({ phone: phone?.slice(0, 32) ?? null, phoneSharedAt: phone ? now : null })
    .where(and(eq(clubCoordinators.clubId, clubId), eq(clubCoordinators.userId, userId)))
    .returning({ userId: clubCoordinators.userId });
  return updated.length > 0;
}

/**
 * Removes a club coordinator (the front office checked its right first). The last one may go too: a person who left
 * must not keep the members' list; the club then shows "no coordinator" until the front office appoints another.
 * The removed person is told through the outbox. False when they were not a coordinator of the club.
 */
export async function removeClubCoordinator(db: Database, clubId: number, userId: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [removed] = await tx
      .delete(clubCoordinators)
      .where(and(eq(clubCoordinators.clubId, clubId), eq(clubCoordinators.userId, userId)))
      .returning();
    if (!removed) return false;
    // What waits for them about this club (members' answers, the phone question) is no longer theirs to read.
    const meetingIds = tx.select({ id: clubMeetings.id }).from(clubMeetings).where(eq(clubMeetings.clubId, clubId));
    await tx
      .delete(outbox)
      .where(
        and(
          eq(outbox.chatId, userId),
          eq(outbox.state, "pending"),
          or(
            like(outbox.idempotencyKey, `club-coord-ask:${clubId}:${userId}:%`),
            and(
              like(outbox.idempotencyKey, "club-yes:%"),
              sql`split_part(${outbox.idempotencyKey}, ':', 2) in (select id::text from (${meetingIds}) m)`,
            ),
          ),
        ),
      );
    const [club] = await tx.select().from(clubs).where(eq(clubs.id, clubId));
    const locale = (await localeOfUser(tx, userId)) ?? "kk";
    await enqueue(tx, {
      chatId: userId,
      idempotencyKey: `club-coord-removed:${clubId}:${userId}:${removed.addedAt.getTime()}`,
      content: { template: "clubs.coordinator_removed_notice", locale, params: { club: clubName(club!, locale) } },
    });
    return true;
  });
}

/** New names (at least one; the front office checked its right first). False for a deleted or unknown club. */
export async function renameClub(
  db: Executor,
  clubId: number,
  names: { nameKk: string | null; nameRu: string | null },
): Promise<boolean> {
  if (!names.nameKk && !names.nameRu) return false;
  const updated = await db
    .update(clubs)
    .set(names)
    .where(and(eq(clubs.id, clubId), isNull(clubs.deletedAt)))
    .returning({ id: clubs.id });
  return updated.length > 0;
}

/** A new address, and a new map pin when one is given (undefined keeps the pin). */
export async function moveClub(
  db: Executor,
  clubId: number,
  address: string,
  pin?: { latitude: number; longitude: number },
): Promise<boolean> {
  const updated = await db
    .update(clubs)
    .set({ address, ...(pin ? { latitude: pin.latitude, longitude: pin.longitude } : {}) })
    .where(and(eq(clubs.id, clubId), isNull(clubs.deletedAt)))
    .returning({ id: clubs.id });
  return updated.length > 0;
}

export type DeleteClubResult = { status: "deleted"; notified: number } | { status: "refused" };

/**
 * Deletes a club (the front office checked its right first): its members and coordinators are told politely through
 * the outbox; its weekly meetings stop (so do reminders; unsent ones are dropped), memberships and coordinator seats
 * (with any shared phone) go, and its join link and code stop working. What members answered and whether they came
 * stays with their accounts (club_answers; /mydata shows it, /deleteme erases it), so the club row stays too, marked
 * deleted. A second press finds it deleted.
 */
export async function deleteClub(db: Database, clubId: number, now = new Date()): Promise<DeleteClubResult> {
  return db.transaction(async (tx) => {
    const [club] = await tx
      .select()
      .from(clubs)
      .where(and(eq(clubs.id, clubId), isNull(clubs.deletedAt)))
      .for("update");
    if (!club) return { status: "refused" } as const;
    await tx.update(clubs).set({ deletedAt: now, inviteToken: null, joinCode: null }).where(eq(clubs.id, clubId));
    const meetings = await tx
      .update(clubMeetings)
      .set({ active: false })
      .where(eq(clubMeetings.clubId, clubId))
      .returning({ id: clubMeetings.id });
    // Invitations and phone questions not sent yet would arrive before "the club closed" and lead nowhere.
    await tx
      .delete(outbox)
      .where(
        and(
          eq(outbox.state, "pending"),
          or(
            like(outbox.idempotencyKey, `club-ask:${clubId}:%`),
            like(outbox.idempotencyKey, `club-coord-ask:${clubId}:%`),
          ),
        ),
      );
    if (meetings.length > 0) {
      await tx
        .delete(outbox)
        .where(
          and(
            eq(outbox.state, "pending"),
            or(
              ...meetings.flatMap((m) =>
                [CLUB_REMINDER_PREFIX, CLUB_MORNING_PREFIX, "club-yes:"].map((p) =>
                  like(outbox.idempotencyKey, `${p}${m.id}:%`),
                ),
              ),
            ),
          ),
        );
    }
    const people = await tx
      .select({ id: users.id, language: users.language, seniorMode: users.seniorMode })
      .from(users)
      .where(
        and(
          isNull(users.blockedAt),
          or(
            inArray(
              users.id,
              tx.select({ id: clubMembers.userId }).from(clubMembers).where(eq(clubMembers.clubId, clubId)),
            ),
            inArray(
              users.id,
              tx
                .select({ id: clubCoordinators.userId })
                .from(clubCoordinators)
                .where(eq(clubCoordinators.clubId, clubId)),
            ),
          ),
        ),
      );
    const notified = await enqueue(
      tx,
      people.map((p) => {
        const locale: Locale = p.language === "ru" ? "ru" : "kk";
        return {
          chatId: p.id,
          idempotencyKey: `club-closed:${clubId}:${p.id}`,
          // A senior keeps the big buttons (they may rely on them): the notice says where to turn them off.
          content: {
            template: p.seniorMode ? ("clubs.closed_notice_senior" as const) : ("clubs.closed_notice" as const),
            locale,
            params: { club: clubName(club, locale) },
          },
        };
      }),
    );
    await tx.delete(clubMembers).where(eq(clubMembers.clubId, clubId));
    await tx.delete(clubCoordinators).where(eq(clubCoordinators.clubId, clubId));
    return { status: "deleted", notified } as const;
  });
}

export async function clubCoordinatorsOf(db: Executor, clubId: number) {
  return db
    .select({
      userId: users.id,
      firstName: users.firstName,
      lastName: users.lastName,
      username: users.username,
      phone: clubCoordinators.phone,
    })
    .from(clubCoordinators)
    .innerJoin(users, eq(users.id, clubCoordinators.userId))
    .where(eq(clubCoordinators.clubId, clubId))
    .orderBy(asc(clubCoordinators.addedAt));
}

// ----- schedule ---------------------------------------------------------------------------------------------------

export const MAX_MEETINGS_PER_CLUB = 14;

/**
 * Adds a weekly meeting, unless the club has MAX_MEETINGS_PER_CLUB active ones already (undefined then; also for a
 * club that does not exist). The club's row is locked first, so two adds at once (two coordinators, two instances)
 * count one after the other and never pass the limit together.
 */
export async function addMeeting(db: Executor, clubId: number, weekday: number, startMinute: number, place = "") {
  return db.transaction(async (tx) => {
    // Locked, and not deleted meanwhile (a deletion takes the same lock).
    const [club] = await tx
      .select({ id: clubs.id })
      .from(clubs)
      .where(and(eq(clubs.id, clubId), isNull(clubs.deletedAt)))
      .for("update");
    if (!club) return undefined;
    const [count] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(clubMeetings)
      .where(and(eq(clubMeetings.clubId, clubId), eq(clubMeetings.active, true)));
    if ((count?.n ?? 0) >= MAX_MEETINGS_PER_CLUB) return undefined;
    const [meeting] = await tx.insert(clubMeetings).values({ clubId, weekday, startMinute, place }).returning();
    return meeting;
  });
}

export async function activeMeetings(db: Executor, clubId: number) {
  return db
    .select()
    .from(clubMeetings)
    .where(and(eq(clubMeetings.clubId, clubId), eq(clubMeetings.active, true)))
    .orderBy(asc(clubMeetings.weekday), asc(clubMeetings.startMinute));
}

/** Removes a weekly meeting of the club (kept as inactive: answers refer to it). */
export async function removeMeeting(db: Executor, clubId: number, meetingId: number): Promise<boolean> {
  const removed = await db
    .update(clubMeetings)
    .set({ active: false })
    .where(and(eq(clubMeetings.id, meetingId), eq(clubMeetings.clubId, clubId), eq(clubMeetings.active, true)))
    .returning({ id: clubMeetings.id });
  return removed.length > 0;
}

/** YYYYMMDD → YYYY-MM-DD (a valid calendar date), else undefined. */
export function isoDate(key: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(key);
  if (!m) return undefined;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10).replaceAll("-", "") === key ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/** The moment of a meeting on a local date (YYYYMMDD), when the date falls on its weekday. */
export function occurrenceAt(meeting: { weekday: number; startMinute: number }, key: string): Date | undefined {
  const iso = isoDate(key);
  if (!iso) return undefined;
  const [y, m, d] = iso.split("-").map(Number) as [number, number, number];
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay() || 7;
  return weekday === meeting.weekday ? localMoment(y, m, d, meeting.startMinute) : undefined;
}

/** The next occurrence of a weekly meeting after `now` (what the scheduler reminds of). */
export function nextOccurrence(meeting: { weekday: number; startMinute: number }, now: Date): Date {
  const local = new Date(now.getTime() + 5 * 3_600_000);
  const todayWeekday = local.getUTCDay() || 7;
  let days = (meeting.weekday - todayWeekday + 7) % 7;
  if (days === 0 && meeting.startMinute <= localMinuteOfDay(now)) days = 7;
  const day = new Date(local.getTime() + days * DAY_MS);
  return localMoment(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), meeting.startMinute);
}

export async function cancelledDates(db: Executor, meetingIds: number[], from: string, to: string) {
  if (meetingIds.length === 0) return new Map<string, string>();
  const rows = await db
    .select()
    .from(clubMeetingExceptions)
    .where(
      and(
        inArray(clubMeetingExceptions.meetingId, meetingIds),
        gte(clubMeetingExceptions.date, from),
        lte(clubMeetingExceptions.date, to),
      ),
    );
  return new Map(rows.map((r) => [`${r.meetingId}:${r.date.replaceAll("-", "")}`, r.reason]));
}

export interface Occurrence {
  meetingId: number;
  clubId: number;
  date: string;
  occursAt: Date;
  place: string;
  cancelled: boolean;
}

/** The occurrences of the club's meetings in the next `days` days, in time order, cancelled ones marked. */
export async function upcomingOccurrences(db: Executor, clubIds: number[], now = new Date(), days = 14) {
  if (clubIds.length === 0) return [];
  const meetings = await db
    .select()
    .from(clubMeetings)
    .where(and(inArray(clubMeetings.clubId, clubIds), eq(clubMeetings.active, true)));
  const list: Occurrence[] = [];
  for (const meeting of meetings) {
    for (let first = nextOccurrence(meeting, now); first.getTime() < now.getTime() + days * DAY_MS; ) {
      list.push({
        meetingId: meeting.id,
        clubId: meeting.clubId,
        date: localDateKey(first),
        occursAt: first,
        place: meeting.place,
        cancelled: false,
      });
      first = new Date(first.getTime() + 7 * DAY_MS);
    }
  }
  const dates = list.map((o) => o.date).sort();
  if (dates.length === 0) return [];
  const cancelled = await cancelledDates(
    db,
    meetings.map((m) => m.id),
    isoDate(dates[0]!)!,
    isoDate(dates.at(-1)!)!,
  );
  for (const o of list) o.cancelled = cancelled.has(`${o.meetingId}:${o.date}`);
  return list.sort((a, b) => a.occursAt.getTime() - b.occursAt.getTime());
}

export type CancelResult = { status: "cancelled"; notified: number } | { status: "refused"; reason: "not_found" };

/** Cancels one date of a meeting of the club and tells its members (through the outbox, once each). */
export async function cancelOccurrence(
  db: Database,
  clubId: number,
  meetingId: number,
  date: string,
  reason = "",
  now = new Date(),
): Promise<CancelResult> {
  return db.transaction(async (tx) => {
    const [meeting] = await tx
      .select()
      .from(clubMeetings)
      .where(and(eq(clubMeetings.id, meetingId), eq(clubMeetings.clubId, clubId), eq(clubMeetings.active, true)))
      .limit(1);
    const occursAt = meeting && occurrenceAt(meeting, date);
    if (!meeting || !occursAt || occursAt <= now) return { status: "refused", reason: "not_found" } as const;
    await tx
      .insert(clubMeetingExceptions)
      .values({ meetingId, date: isoDate(date)!, reason })
      .onConflictDoNothing();
    const [club] = await tx.select().from(clubs).where(eq(clubs.id, clubId));
    const members = await tx
      .select({ id: users.id, language: users.language })
      .from(clubMembers)
      .innerJoin(users, eq(users.id, clubMembers.userId))
      .where(and(eq(clubMembers.clubId, clubId), sql`${users.blockedAt} is null`));
    const notified = await enqueue(
      tx,
      members.map((m) => {
        const locale: Locale = m.language === "ru" ? "ru" : "kk";
        return {
          chatId: m.id,
          idempotencyKey: `club-cancel:${meetingId}:${date}:${m.id}`,
          expiresAt: occursAt,
          content: {
            template: "clubs.cancelled_notice",
            locale,
            params: { club: clubName(club!, locale), date: at.day(occursAt), time: at.time(occursAt) },
          },
        };
      }),
    );
    return { status: "cancelled", notified } as const;
  });
}

// ----- members ----------------------------------------------------------------------------------------------------

export async function clubByInviteToken(db: Executor, token: string) {
  if (!/^[A-Za-z0-9_-]{8,40}$/.test(token)) return undefined;
  const [club] = await db.select().from(clubs).where(eq(clubs.inviteToken, token)).limit(1);
  return club;
}

export async function clubByCode(db: Executor, code: string) {
  const [club] = await db.select().from(clubs).where(eq(clubs.joinCode, code)).limit(1);
  return club;
}

export async function isClubMember(db: Executor, clubId: number, userId: number): Promise<boolean> {
  const [row] = await db
    .select({ userId: clubMembers.userId })
    .from(clubMembers)
    .where(and(eq(clubMembers.clubId, clubId), eq(clubMembers.userId, userId)))
    .limit(1);
  return Boolean(row);
}

/** Adds the member; the first membership turns senior mode on (it can be turned off in settings). */
export async function joinClub(db: Database, clubId: number, userId: number): Promise<"joined" | "already" | "gone"> {
  return db.transaction(async (tx) => {
    if (!(await liveClub(tx, clubId))) return "gone";
    const added = await tx
      .insert(clubMembers)
      .values({ clubId, userId })
      .onConflictDoNothing()
      .returning({ userId: clubMembers.userId });
    if (added.length === 0) return "already";
    const [others] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(clubMembers)
      .where(eq(clubMembers.userId, userId));
    if ((others?.n ?? 0) === 1) await tx.update(users).set({ seniorMode: true }).where(eq(users.id, userId));
    return "joined";
  });
}

export async function leaveClub(db: Executor, clubId: number, userId: number): Promise<boolean> {
  const removed = await db
    .delete(clubMembers)
    .where(and(eq(clubMembers.clubId, clubId), eq(clubMembers.userId, userId)))
    .returning({ userId: clubMembers.userId });
  return removed.length > 0;
}

export async function clubMembersOf(db: Executor, clubId: number) {
  return db
    .select({ userId: users.id, firstName: users.firstName, lastName: users.lastName })
    .from(clubMembers)
    .innerJoin(users, eq(users.id, clubMembers.userId))
    .where(eq(clubMembers.clubId, clubId))
    .orderBy(asc(clubMembers.joinedAt));
}

export type InviteResult = "asked" | "already_member" | "already_asked" | "not_user";

/**
 * A club coordinator adds someone who shared their contact: the person is asked once (Yes / No) through the outbox;
 * they become a member only when they say yes.
 */
export async function inviteMember(db: Executor, club: ClubRow, userId: number): Promise<InviteResult> {
  const locale = await localeOfOnboarded(db, userId);
  if (!locale) return "not_user";
  if (await isClubMember(db, club.id, userId)) return "already_member";
  const added = await enqueue(db, {
    chatId: userId,
    idempotencyKey: `club-ask:${club.id}:${userId}`,
    content: {
      template: "clubs.invite_ask",
      locale,
      params: { club: clubName(club, locale), address: club.address || "—" },
      buttons: [
        [
          { kind: "club.join_yes", clubId: club.id },
          { kind: "club.join_no", clubId: club.id },
        ],
      ],
    },
  });
  return added > 0 ? "asked" : "already_asked";
}

/** An invitation exists for this person and club (the Yes button is not trusted on its own). */
export async function wasInvited(db: Executor, clubId: number, userId: number): Promise<boolean> {
  const [row] = await db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.idempotencyKey, `club-ask:${clubId}:${userId}`), eq(outbox.chatId, userId)))
    .limit(1);
  return Boolean(row);
}

/** Senior mode on or off (settings; anyone may use it). */
export async function setSeniorMode(db: Executor, userId: number, on: boolean): Promise<void> {
  await db.update(users).set({ seniorMode: on, updatedAt: new Date() }).where(eq(users.id, userId));
}

// ----- answers and attendance -------------------------------------------------------------------------------------

export type AnswerResult =
  | { status: "saved"; clubId: number; occursAt: Date; meetingId: number; date: string }
  | { status: "refused"; reason: "not_found" | "not_member" | "past" | "cancelled" };

async function meetingOf(db: Executor, meetingId: number) {
  const [meeting] = await db
    .select({ meeting: clubMeetings, club: clubs })
    .from(clubMeetings)
    .innerJoin(clubs, eq(clubs.id, clubMeetings.clubId))
    .where(eq(clubMeetings.id, meetingId))
    .limit(1);
  return meeting;
}

async function isCancelled(db: Executor, meetingId: number, date: string) {
  const [row] = await db
    .select({ date: clubMeetingExceptions.date })
    .from(clubMeetingExceptions)
    .where(and(eq(clubMeetingExceptions.meetingId, meetingId), eq(clubMeetingExceptions.date, isoDate(date)!)))
    .limit(1);
  return Boolean(row);
}

/**
 * A member says they will come (or cannot) to the next occurrence of a meeting (local date YYYYMMDD): only the date
 * the next reminder is for counts; a cancelled or past date is refused. On "yes" the club's coordinators are told
 * through the outbox, once per member and occurrence, however often it is said.
 */
export async function answerClubMeeting(
  db: Database,
  meetingId: number,
  userId: number,
  localDate: string,
  answer: ClubAnswer,
  now = new Date(),
): Promise<AnswerResult> {
  const found = await meetingOf(db, meetingId);
  if (!found?.meeting.active) return { status: "refused", reason: "not_found" };
  const occursAt = occurrenceAt(found.meeting, localDate);
  if (!occursAt) return { status: "refused", reason: "not_found" };
  if (occursAt <= now) return { status: "refused", reason: "past" };
  // The next occurrence, or the one after it when the next is cancelled; never further ahead.
  const next = nextOccurrence(found.meeting, now);
  const allowed = [localDateKey(next)];
  if (await isCancelled(db, meetingId, allowed[0]!)) allowed.push(localDateKey(new Date(next.getTime() + 7 * DAY_MS)));
  if (!allowed.includes(localDate)) return { status: "refused", reason: "not_found" };
  const [member] = await db
    .select({ firstName: users.firstName })
    .from(clubMembers)
    .innerJoin(users, eq(users.id, clubMembers.userId))
    .where(and(eq(clubMembers.clubId, found.club.id), eq(clubMembers.userId, userId)))
    .limit(1);
  if (!member) return { status: "refused", reason: "not_member" };
  if (await isCancelled(db, meetingId, localDate)) return { status: "refused", reason: "cancelled" };

  await db
    .insert(clubAnswers)
    .values({ meetingId, date: isoDate(localDate)!, userId, answer, answeredAt: now, markedBy: null })
    .onConflictDoUpdate({
      target: [clubAnswers.meetingId, clubAnswers.date, clubAnswers.userId],
      set: { answer, answeredAt: now, markedBy: null },
    });
  if (answer === "yes") {
    const coordinators = await db
      .select({ id: users.id, language: users.language })
      .from(clubCoordinators)
      .innerJoin(users, eq(users.id, clubCoordinators.userId))
      .where(eq(clubCoordinators.clubId, found.club.id));
    await enqueue(
      db,
      coordinators
        .filter((c) => c.id !== userId)
        .map((c) => {
          const locale: Locale = c.language === "ru" ? "ru" : "kk";
          return {
            chatId: c.id,
            idempotencyKey: `club-yes:${meetingId}:${localDate}:${userId}:${c.id}`,
            expiresAt: occursAt,
            aboutUserId: userId,
            content: {
              template: "reminders.club_coordinator_notice",
              locale,
              params: {
                name: member.firstName ?? { $t: "reminders.someone" },
                club: clubName(found.club, locale),
                date: at.day(occursAt),
                time: at.time(occursAt),
              },
            },
          };
        }),
    );
  }
  return { status: "saved", clubId: found.club.id, occursAt, meetingId, date: localDate };
}

/** How far back a club coordinator may mark attendance. */
export const MARK_BACK_DAYS = 60;

/**
 * A club coordinator marks a member's answer or attendance for an occurrence (any past date within MARK_BACK_DAYS
 * or the next one); the club was checked to be theirs.
 */
export async function markOnBehalf(
  db: Executor,
  clubId: number,
  meetingId: number,
  localDate: string,
  memberId: number,
  coordinatorId: number,
  change: { answer?: ClubAnswer; attended?: boolean },
  now = new Date(),
): Promise<boolean> {
  const found = await meetingOf(db, meetingId);
  if (!found || found.club.id !== clubId) return false;
  const occursAt = occurrenceAt(found.meeting, localDate);
  if (!occursAt || occursAt.getTime() < now.getTime() - MARK_BACK_DAYS * DAY_MS) return false;
  if (occursAt.getTime() > now.getTime() + 8 * DAY_MS) return false;
  if (!(await isClubMember(db, clubId, memberId))) return false;
  await db
    .insert(clubAnswers)
    .values({
      meetingId,
      date: isoDate(localDate)!,
      userId: memberId,
      answer: change.answer ?? null,
      attended: change.attended ?? null,
      answeredAt: now,
      markedBy: coordinatorId,
    })
    .onConflictDoUpdate({
      target: [clubAnswers.meetingId, clubAnswers.date, clubAnswers.userId],
      set: {
        ...(change.answer ? { answer: change.answer } : {}),
        ...(change.attended !== undefined ? { attended: change.attended } : {}),
        answeredAt: now,
        markedBy: coordinatorId,
      },
    });
  return true;
}

export interface RollEntry {
  userId: number;
  firstName: string | null;
  lastName: string | null;
  answer: ClubAnswer | null;
  attended: boolean | null;
}

/** Every member of the club with their answer and attendance for one occurrence. */
export async function meetingRoll(db: Executor, clubId: number, meetingId: number, localDate: string) {
  const rows = await db
    .select({
      userId: users.id,
      firstName: users.firstName,
      lastName: users.lastName,
      answer: clubAnswers.answer,
      attended: clubAnswers.attended,
    })
    .from(clubMembers)
    .innerJoin(users, eq(users.id, clubMembers.userId))
    .leftJoin(
      clubAnswers,
      and(
        eq(clubAnswers.userId, clubMembers.userId),
        eq(clubAnswers.meetingId, meetingId),
        eq(clubAnswers.date, isoDate(localDate) ?? "1970-01-01"),
      ),
    )
    .where(eq(clubMembers.clubId, clubId))
    .orderBy(asc(clubMembers.joinedAt));
  return rows as RollEntry[];
}

export async function meetingOfClub(db: Executor, clubId: number, meetingId: number) {
  const found = await meetingOf(db, meetingId);
  return found && found.club.id === clubId ? found.meeting : undefined;
}

/** Meetings the member came to this (local) year. */
export async function attendedThisYear(db: Executor, userId: number, now = new Date()): Promise<number> {
  const year = localDateKey(now).slice(0, 4);
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(clubAnswers)
    .where(
      and(
        eq(clubAnswers.userId, userId),
        eq(clubAnswers.attended, true),
        gte(clubAnswers.date, `${year}-01-01`),
        lte(clubAnswers.date, `${year}-12-31`),
      ),
    );
  return row?.n ?? 0;
}

export async function memberClubs(db: Executor, userId: number): Promise<ClubRow[]> {
  return db
    .select({ club: clubs })
    .from(clubMembers)
    .innerJoin(clubs, eq(clubs.id, clubMembers.clubId))
    .where(and(eq(clubMembers.userId, userId), isNull(clubs.deletedAt)))
    .orderBy(asc(clubMembers.joinedAt))
    .then((rows) => rows.map((r) => r.club));
}

/** The member's next meeting (not cancelled) in any of their clubs, with their answer, or undefined. */
export async function nextMeetingFor(db: Executor, userId: number, now = new Date()) {
  const mine = await memberClubs(db, userId);
  const upcoming = await upcomingOccurrences(
    db,
    mine.map((c) => c.id),
    now,
  );
  const next = upcoming.find((o) => !o.cancelled);
  if (!next) return { cancelled: upcoming.filter((o) => o.cancelled), next: undefined };
  const club = mine.find((c) => c.id === next.clubId)!;
  const [answer] = await db
    .select({ answer: clubAnswers.answer })
    .from(clubAnswers)
    .where(
      and(
        eq(clubAnswers.meetingId, next.meetingId),
        eq(clubAnswers.date, isoDate(next.date)!),
        eq(clubAnswers.userId, userId),
      ),
    );
  const cancelledBefore = upcoming.filter((o) => o.cancelled && o.occursAt < next.occursAt);
  return { next: { ...next, club, answer: answer?.answer ?? null }, cancelled: cancelledBefore };
}
