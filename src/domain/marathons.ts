import { and, asc, count, desc, eq, gt, isNull, lte, or, sql } from "drizzle-orm";
import type { Database, Executor } from "../db/client";
import { type Marathon, marathonDeeds, marathonParticipants, marathons, regions, users } from "../db/schema";
import { cleanText } from "./text";
import { DomainError } from "./users";

export type { Marathon };

/** Deeds counts that earn a badge; the badge names live in the locales (marathons.badge_<n>). */
export const BADGE_MILESTONES = [1, 5, 10, 25, 50] as const;
export const DEED_TEXT_MAX = 1000;
export const DEED_HOURS_MIN = 0.5;
export const DEED_HOURS_MAX = 24;

/**
 * Why a marathon operation was refused (DomainError.code): the bot turns each into a localized message.
 * "unavailable": unknown, not running now, or another region's.
 */
export type MarathonRefusal =
  | "unavailable"
  | "consent_required"
  | "not_participant"
  | "text_empty"
  | "text_too_long"
  | "hours_invalid";

function refuse(code: MarathonRefusal): never {
  throw new DomainError(code);
}

/** Deed text made safe to store (domain/text.ts), or the reason it is not acceptable. */
export function checkDeedText(text: string): { text: string } | { error: "text_empty" | "text_too_long" } {
  const checked = cleanText(text, { max: DEED_TEXT_MAX, multiline: true });
  if ("error" in checked) return { error: checked.error === "empty" ? "text_empty" : "text_too_long" };
  return checked;
}

/** Hours between 0.5 and 24 with at most one decimal (the column is numeric(4,1)). */
export function isValidDeedHours(hours: number): boolean {
  return (
    Number.isFinite(hours) &&
    hours >= DEED_HOURS_MIN &&
    hours <= DEED_HOURS_MAX &&
    Math.abs(hours * 10 - Math.round(hours * 10)) < 1e-9
  );
}

/** "1,5" or "2" as typed by a user → hours, or undefined when it is not a valid amount. */
export function parseDeedHours(input: string): number | undefined {
  const match = /^\s*(\d{1,2}(?:[.,]\d)?)\s*$/.exec(input);
  if (!match) return undefined;
  const hours = Number(match[1]!.replace(",", "."));
  return isValidDeedHours(hours) ? hours : undefined;
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
  hours?: number | null;
  /** From the conversation step that reports: a second report with the same key returns the first deed. */
  idempotencyKey?: string;
}

export interface DeedResult {
  deedId: number;
  deeds: number;
  hours: number;
  /** The milestone this deed reached (e.g. 5), if any. */
  badge: number | null;
}

/**
 * Stores a good deed of a participant (with consent) of a running marathon. The participant's row is locked for
 * the transaction, so concurrent reports count in turn and each badge is earned exactly once.
 */
export async function reportDeed(db: Database, input: DeedInput, now = new Date()): Promise<DeedResult> {
  const checked = checkDeedText(input.text);
  if ("error" in checked) refuse(checked.error);
  const hours = input.hours ?? 0;
  if (input.hours != null && !isValidDeedHours(input.hours)) refuse("hours_invalid");
  if (!isMarathonId(input.marathonId)) refuse("unavailable");

  return db.transaction(async (tx) => {
    if (input.idempotencyKey !== undefined) {
      const [done] = await tx
        .select({ id: marathonDeeds.id })
        .from(marathonDeeds)
        .where(and(eq(marathonDeeds.idempotencyKey, input.idempotencyKey), eq(marathonDeeds.userId, input.userId)));
      if (done) {
        // A replay of a deed stored before a crash: the same answer, nothing inserted.
        const totals = await userTotals(tx, input.marathonId, input.userId);
        const badge = (BADGE_MILESTONES as readonly number[]).includes(totals.deeds) ? totals.deeds : null;
        return { deedId: done.id, ...totals, badge };
      }
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
        hours,
        createdAt: now,
        idempotencyKey: input.idempotencyKey,
      })
      .returning({ id: marathonDeeds.id });
    const totals = await userTotals(tx, input.marathonId, input.userId);
    const badge = (BADGE_MILESTONES as readonly number[]).includes(totals.deeds) ? totals.deeds : null;
    return { deedId: deed!.id, ...totals, badge };
  });
}

async function userTotals(db: Executor, marathonId: number, userId: number): Promise<{ deeds: number; hours: number }> {
  const [row] = await db
    .select({
      deeds: count(),
      hours: sql<number>`coalesce(sum(${marathonDeeds.hours}), 0)`.mapWith(Number),
    })
    .from(marathonDeeds)
    .where(and(eq(marathonDeeds.marathonId, marathonId), eq(marathonDeeds.userId, userId)));
  return { deeds: row?.deeds ?? 0, hours: row?.hours ?? 0 };
}

export interface Progress {
  deeds: number;
  hours: number;
  /** Milestones reached, ascending. */
  badges: number[];
  /** The next milestone, or null after the last one. */
  nextBadge: number | null;
}

export async function progress(db: Database, marathonId: number, userId: number): Promise<Progress> {
  const totals = await userTotals(db, marathonId, userId);
  return {
    ...totals,
    badges: BADGE_MILESTONES.filter((m) => m <= totals.deeds),
    nextBadge: BADGE_MILESTONES.find((m) => m > totals.deeds) ?? null,
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
  /** How many volunteers have at least one deed. */
  ranked: number;
}

/**
 * Volunteers with at least one deed, by deeds, then hours, then whoever reached their score first; ranks are
 * positions (no shared places), computed by a window function over the grouped deeds.
 */
export async function leaderboard(db: Database, marathonId: number, userId: number, limit = 10): Promise<Leaderboard> {
  const lastDeedAt = sql`max(${marathonDeeds.createdAt})`;
  const scores = db.$with("scores").as(
    db
      .select({
        userId: marathonDeeds.userId,
        deeds: sql<number>`count(*)`.mapWith(Number).as("deeds"),
        hours: sql<number>`sum(${marathonDeeds.hours})`.mapWith(Number).as("hours"),
        rank: sql<number>`row_number() over (order by count(*) desc, sum(${marathonDeeds.hours}) desc, ${lastDeedAt} asc, ${marathonDeeds.userId} asc)`
          .mapWith(Number)
          .as("rank"),
        ranked: sql<number>`count(*) over ()`.mapWith(Number).as("ranked"),
      })
      .from(marathonDeeds)
      .where(eq(marathonDeeds.marathonId, marathonId))
      .groupBy(marathonDeeds.userId),
  );
  const rows = await db
    .with(scores)
    .select({
      rank: scores.rank,
      userId: scores.userId,
      firstName: sql<string | null>`case when ${users.consentAt} is null then null else ${users.firstName} end`,
      deeds: scores.deeds,
      hours: scores.hours,
      ranked: scores.ranked,
    })
    .from(scores)
    .innerJoin(users, eq(users.id, scores.userId))
    .where(or(lte(scores.rank, limit), eq(scores.userId, userId)))
    .orderBy(asc(scores.rank));
  const entries = rows.map(({ ranked: _ranked, ...entry }) => entry);
  return {
    top: entries.filter((e) => e.rank <= limit),
    me: entries.find((e) => e.rank > limit) ?? null,
    ranked: rows[0]?.ranked ?? 0,
  };
}

export interface RegionScore {
  rank: number;
  regionCode: string;
  deeds: number;
  hours: number;
  volunteers: number;
}

/** Regions by the deeds of participants whose region is known (consent given), then hours, then the usual order. */
export async function regionRanking(db: Database, marathonId: number): Promise<RegionScore[]> {
  const deeds = sql<number>`count(*)`.mapWith(Number);
  const hours = sql<number>`sum(${marathonDeeds.hours})`.mapWith(Number);
  return db
    .select({
      rank: sql<number>`row_number() over (order by count(*) desc, sum(${marathonDeeds.hours}) desc, ${regions.position} asc)`.mapWith(
        Number,
      ),
      regionCode: regions.code,
      deeds,
      hours,
      volunteers: sql<number>`count(distinct ${marathonDeeds.userId})`.mapWith(Number),
    })
    .from(marathonDeeds)
    .innerJoin(users, eq(users.id, marathonDeeds.userId))
    .innerJoin(regions, eq(regions.code, users.regionCode))
    .where(eq(marathonDeeds.marathonId, marathonId))
    .groupBy(regions.code, regions.position)
    .orderBy(desc(deeds), desc(hours), asc(regions.position));
}
