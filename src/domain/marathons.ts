import { and, asc, eq, gt, isNull, lte, or, type SQL, sql } from "drizzle-orm";
import { TIME_ZONE } from "../core/time";
import { type Database, type Executor, rowsOf } from "../db/client";
import { type Marathon, marathonDeeds, marathonParticipants, marathons, users } from "../db/schema";
import { cleanText } from "./text";
import { DomainError } from "./users";

export type { Marathon };

/** Deeds counts that earn a badge; the badge names live in the locales (marathons.badge_<n>). */
export const BADGE_MILESTONES = [1, 5, 10, 25, 50] as const;
export const DEED_TEXT_MAX = 1000;

/**
 * Why a marathon operation was refused (DomainError.code): the bot turns each into a localized message.
 * "unavailable": unknown, not running now, or another region's.
 */
export type MarathonRefusal = "unavailable" | "consent_required" | "not_participant" | "text_empty" | "text_too_long";

function refuse(code: MarathonRefusal): never {
  throw new DomainError(code);
}

/** Deed text made safe to store (domain/text.ts), or the reason it is not acceptable. */
export function checkDeedText(text: string): { text: string } | { error: "text_empty" | "text_too_long" } {
  const checked = cleanText(text, { max: DEED_TEXT_MAX, multiline: true });
  if ("error" in checked) return { error: checked.error === "empty" ? "text_empty" : "text_too_long" };
  return checked;
}

/** Ids come from buttons, i.e. from users: anything but a serial id is simply not found. */
const isMarathonId = (id: number) => Number.isInteger(id) && id > 0 && id <= 2_147_483_647;

const isActiveAt = (now: Date) => and(lte(marathons.startsAt, now), gt(marathons.endsAt, now));
const visibleIn = (regionCode: string | null) =>
  regionCode ? or(isNull(marathons.regionCode), eq(marathons.regionCode, regionCode)) : isNull(marathons.regionCode);
const participantsCount =
  sql<number>`(select count(*) from ${marathonParticipants} where ${marathonParticipants.marathonId} = ${marathons.id})`.mapWith(
    Number,
  );

export interface MarathonSummary {
  marathon: Marathon;
  participants: number;
}

/** Marathons running now that the user may see: national ones and those of the user's region (national first). */
export async function listActiveMarathons(
  db: Database,
  regionCode: string | null,
  now = new Date(),
): Promise<MarathonSummary[]> {
  return db
    .select({ marathon: marathons, participants: participantsCount })
    .from(marathons)
    .where(and(isActiveAt(now), visibleIn(regionCode)))
    .orderBy(sql`${marathons.regionCode} is not null`, asc(marathons.endsAt), asc(marathons.id));
}

async function loadUser(db: Database, userId: number) {
  const [user] = await db
    .select({ consentAt: users.consentAt, regionCode: users.regionCode })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return user;
}

async function isParticipant(db: Database, marathonId: number, userId: number): Promise<boolean> {
  const [row] = await db
    .select({ userId: marathonParticipants.userId })
    .from(marathonParticipants)
    .where(and(eq(marathonParticipants.marathonId, marathonId), eq(marathonParticipants.userId, userId)))
    .limit(1);
  return Boolean(row);
}

export interface MarathonView extends MarathonSummary {
  joined: boolean;
  progress: Progress;
}

/**
 * A running marathon as the user may open it: visible in the user's region, or one they already take part in
 * (they keep it after moving to another region). Undefined for anything else: ids in buttons are user input.
 */
export async function openMarathon(
  db: Database,
  marathonId: number,
  userId: number,
  now = new Date(),
): Promise<MarathonView | undefined> {
  const user = isMarathonId(marathonId) ? await loadUser(db, userId) : undefined;
  if (!user) return undefined;
  const [row] = await db
    .select({ marathon: marathons, participants: participantsCount })
    .from(marathons)
    .where(and(eq(marathons.id, marathonId), isActiveAt(now)))
    .limit(1);
  if (!row) return undefined;
  const joined = await isParticipant(db, marathonId, userId);
  const visible = row.marathon.regionCode === null || row.marathon.regionCode === user.regionCode;
  if (!visible && !joined) return undefined;
  return { ...row, joined, progress: await progress(db, marathonId, userId) };
}

/** Joins a running, visible marathon; needs consent. Idempotent: returns false when the user had already joined. */
export async function joinMarathon(
  db: Database,
  marathonId: number,
  userId: number,
  now = new Date(),
): Promise<boolean> {
  const user = isMarathonId(marathonId) ? await loadUser(db, userId) : undefined;
  if (!user) refuse("unavailable");
  const [marathon] = await db
    .select({ id: marathons.id })
    .from(marathons)
    .where(and(eq(marathons.id, marathonId), isActiveAt(now), visibleIn(user.regionCode)))
    .limit(1);
  if (!marathon) refuse("unavailable");
  if (!user.consentAt) refuse("consent_required");
  const inserted = await db
    .insert(marathonParticipants)
    .values({ marathonId, userId })
    .onConflictDoNothing()
    .returning({ userId: marathonParticipants.userId });
  return inserted.length > 0;
}

export interface DeedInput {
  marathonId: number;
  userId: number;
  text: string;
  /** The largest photo size's file_id: the photo itself stays on Telegram. */
  photoFileId?: string | null;
  /** From the conversation step that reports: a second report with the same key returns the first deed. */
  idempotencyKey?: string;
}

export interface DeedResult {
  deedId: number;
  /** Counted deeds (see countedDeeds) after this one. */
  deeds: number;
  hours: number;
  /** False for a deed beyond the day's DEEDS_COUNTED_PER_DAY: kept, but not counted. */
  counted: boolean;
  /** The milestone this deed reached (e.g. 5), if any. */
  badge: number | null;
}

/** Leaves a marathon: the deeds stay (and count again after rejoining), the volunteer leaves its rankings. */
export async function leaveMarathon(db: Database, marathonId: number, userId: number): Promise<boolean> {
  if (!isMarathonId(marathonId)) return false;
  const deleted = await db
    .delete(marathonParticipants)
    .where(and(eq(marathonParticipants.marathonId, marathonId), eq(marathonParticipants.userId, userId)))
    .returning({ userId: marathonParticipants.userId });
  return deleted.length > 0;
}

/**
 * Stores a good deed of a participant (with consent) of a running marathon. The participant's row is locked for
 * the transaction, so concurrent reports count in turn and each badge is earned exactly once. Hours are no longer
 * asked with a deed (nobody could confirm them; they go through /hours): the column keeps older deeds' hours.
 */
export async function reportDeed(db: Database, input: DeedInput, now = new Date()): Promise<DeedResult> {
  const checked = checkDeedText(input.text);
  if ("error" in checked) refuse(checked.error);
  if (!isMarathonId(input.marathonId)) refuse("unavailable");

  return db.transaction(async (tx) => {
    if (input.idempotencyKey !== undefined) {
      const [done] = await tx
        .select({ id: marathonDeeds.id })
        .from(marathonDeeds)
        .where(and(eq(marathonDeeds.idempotencyKey, input.idempotencyKey), eq(marathonDeeds.userId, input.userId)));
      // A replay of a deed stored before a crash: the same answer, nothing inserted.
      if (done) return deedResult(tx, input, done.id);
    }
    const [allowed] = await tx
      .select({ consentAt: users.consentAt, marathonId: marathons.id })
      .from(marathonParticipants)
      .innerJoin(users, eq(users.id, marathonParticipants.userId))
      .leftJoin(marathons, and(eq(marathons.id, marathonParticipants.marathonId), isActiveAt(now)))
      .where(and(eq(marathonParticipants.marathonId, input.marathonId), eq(marathonParticipants.userId, input.userId)))
      .for("update", { of: marathonParticipants });
    if (!allowed) {
      const [running] = await tx
        .select({ id: marathons.id })
        .from(marathons)
        .where(and(eq(marathons.id, input.marathonId), isActiveAt(now)));
      refuse(running ? "not_participant" : "unavailable");
    }
    if (allowed.marathonId === null) refuse("unavailable");
    if (!allowed.consentAt) refuse("consent_required");

    const [deed] = await tx
      .insert(marathonDeeds)
      .values({
        marathonId: input.marathonId,
        userId: input.userId,
        text: checked.text,
        photoFileId: input.photoFileId ?? null,
        createdAt: now,
        idempotencyKey: input.idempotencyKey,
      })
      .returning({ id: marathonDeeds.id });
    return deedResult(tx, input, deed!.id);
  });
}

async function deedResult(
  db: Executor,
  input: Pick<DeedInput, "marathonId" | "userId">,
  deedId: number,
): Promise<DeedResult> {
  const [row] = rowsOf<{ deeds: number | string; hours: number | string; counted: boolean }>(
    await db.execute(sql`
      select count(*) as deeds, coalesce(sum(c.hours), 0) as hours, coalesce(bool_or(c.id = ${deedId}), false) as counted
      from ${countedDeeds(ofUser(input.marathonId, input.userId))} c`),
  );
  const deeds = Number(row?.deeds ?? 0);
  const counted = Boolean(row?.counted);
  const badge = counted && (BADGE_MILESTONES as readonly number[]).includes(deeds) ? deeds : null;
  return { deedId, deeds, hours: Number(row?.hours ?? 0), counted, badge };
}

// ----- what counts: one definition for progress, leaderboard, region ranking and the weekly digest -------------

/** Deeds of one local day (Asia/Almaty) that count towards badges and rankings; more are kept but do not count. */
export const DEEDS_COUNTED_PER_DAY = 3;

/** A filter on `marathon_deeds d` for countedDeeds/marathonScores: one marathon, optionally one user. */
export const ofUser = (marathonId: number, userId: number): SQL =>
  sql`d.marathon_id = ${marathonId} and d.user_id = ${userId}`;
export const ofMarathon = (marathonId: number): SQL => sql`d.marathon_id = ${marathonId}`;

/**
 * The deeds that count, as a subquery (id, marathon_id, user_id, hours, created_at): each volunteer's first
 * DEEDS_COUNTED_PER_DAY deeds of a local day in a marathon. `where` filters `marathon_deeds d` before the numbering:
 * filter by marathon, user or "created before", never by a part of a day.
 */
export function countedDeeds(where: SQL): SQL {
  return sql`(select n.id, n.marathon_id, n.user_id, n.hours, n.created_at from (
      select d.id, d.marathon_id, d.user_id, d.hours, d.created_at,
        row_number() over (
          partition by d.marathon_id, d.user_id, (d.created_at at time zone ${TIME_ZONE})::date
          order by d.created_at, d.id) as nth
      from marathon_deeds d where ${where}) n
    where n.nth <= ${DEEDS_COUNTED_PER_DAY})`;
}

/**
 * Current participants with at least one counted deed, per marathon: deeds, hours (stored with older deeds), the
 * rank (by deeds, then hours, then whoever reached their score first; positions, no shared places) and how many are
 * ranked. Those who left a marathon are not in it; their deeds count again when they rejoin.
 */
export function marathonScores(where: SQL): SQL {
  return sql`(select c.marathon_id, c.user_id, count(*)::int as deeds, coalesce(sum(c.hours), 0) as hours,
      (row_number() over (partition by c.marathon_id
        order by count(*) desc, coalesce(sum(c.hours), 0) desc, max(c.created_at) asc, c.user_id asc))::int as rank,
      (count(*) over (partition by c.marathon_id))::int as ranked
    from ${countedDeeds(where)} c
    join marathon_participants mp on mp.marathon_id = c.marathon_id and mp.user_id = c.user_id
    group by c.marathon_id, c.user_id)`;
}

export interface Progress {
  deeds: number;
  /** Hours stored with older deeds (deeds no longer carry hours). */
  hours: number;
  /** Milestones reached, ascending. */
  badges: number[];
  /** The next milestone, or null after the last one. */
  nextBadge: number | null;
}

export async function progress(db: Executor, marathonId: number, userId: number): Promise<Progress> {
  const [row] = rowsOf<{ deeds: number | string; hours: number | string }>(
    await db.execute(
      sql`select count(*) as deeds, coalesce(sum(c.hours), 0) as hours from ${countedDeeds(ofUser(marathonId, userId))} c`,
    ),
  );
  const deeds = Number(row?.deeds ?? 0);
  return {
    deeds,
    hours: Number(row?.hours ?? 0),
    badges: BADGE_MILESTONES.filter((m) => m <= deeds),
    nextBadge: BADGE_MILESTONES.find((m) => m > deeds) ?? null,
  };
}

export interface LeaderboardEntry {
  rank: number;
  userId: number;
  /** Null when the user has not consented (shown anonymously). */
  firstName: string | null;
  deeds: number;
  hours: number;
}

export interface Leaderboard {
  top: LeaderboardEntry[];
  /** The user's own entry when outside the top (null when inside it or without deeds). */
  me: LeaderboardEntry | null;
  /** How many volunteers have at least one counted deed. */
  ranked: number;
}

/** The top of marathonScores and the user's own entry. */
export async function leaderboard(db: Database, marathonId: number, userId: number, limit = 10): Promise<Leaderboard> {
  const rows = rowsOf<{
    rank: number;
    user_id: number | string;
    first_name: string | null;
    deeds: number;
    hours: number | string;
    ranked: number;
  }>(
    await db.execute(sql`
      select s.rank, s.user_id, case when u.consent_at is null then null else u.first_name end as first_name,
        s.deeds, s.hours, s.ranked
      from ${marathonScores(ofMarathon(marathonId))} s
      join users u on u.id = s.user_id
      where s.rank <= ${limit} or s.user_id = ${userId}
      order by s.rank`),
  );
  const entries: LeaderboardEntry[] = rows.map((r) => ({
    rank: Number(r.rank),
    userId: Number(r.user_id),
    firstName: r.first_name,
    deeds: Number(r.deeds),
    hours: Number(r.hours),
  }));
  return {
    top: entries.filter((e) => e.rank <= limit),
    me: entries.find((e) => e.rank > limit) ?? null,
    ranked: Number(rows[0]?.ranked ?? 0),
  };
}

export interface RegionScore {
  rank: number;
  regionCode: string;
  deeds: number;
  hours: number;
  volunteers: number;
}

/**
 * Regions by the counted deeds of current participants whose region is known (consent given), then hours, then the
 * usual order. Only national marathons have one (a regional marathon has a single region).
 */
export async function regionRanking(db: Database, marathonId: number): Promise<RegionScore[]> {
  const rows = rowsOf<{ rank: number; code: string; deeds: number; hours: number | string; volunteers: number }>(
    await db.execute(sql`
      select (row_number() over (order by count(*) desc, coalesce(sum(c.hours), 0) desc, r.position asc))::int as rank,
        r.code, count(*)::int as deeds, coalesce(sum(c.hours), 0) as hours,
        count(distinct c.user_id)::int as volunteers
      from ${countedDeeds(ofMarathon(marathonId))} c
      join marathon_participants mp on mp.marathon_id = c.marathon_id and mp.user_id = c.user_id
      join users u on u.id = c.user_id
      join regions r on r.code = u.region_code
      group by r.code, r.position
      order by rank`),
  );
  return rows.map((r) => ({
    rank: Number(r.rank),
    regionCode: r.code,
    deeds: Number(r.deeds),
    hours: Number(r.hours),
    volunteers: Number(r.volunteers),
  }));
}

/** Whether a marathon has a ranking of regions: only national ones do. */
export const hasRegionRanking = (marathon: Pick<Marathon, "regionCode">): boolean => marathon.regionCode === null;
