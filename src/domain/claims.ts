import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Database, Executor } from "../db/client";
import { actions, hourEntries, users } from "../db/schema";
import type { Locale } from "../i18n";
import { decideHours, HoursError } from "./hours";
import { pickSql } from "./localized";

/** A rejection reason as typed by the organizer. */
export const MAX_REJECT_REASON_LENGTH = 300;

/**
 * Pending self-reported hours whose action belongs to one of the organizations: what the organizers' queue shows.
 * Self-reports naming a free-form organization (no action) are in no queue.
 */
const queued = (organizationIds: readonly number[]) =>
  and(
    eq(hourEntries.source, "self"),
    eq(hourEntries.status, "pending"),
    inArray(actions.organizationId, organizationIds.length > 0 ? [...organizationIds] : [-1]),
  );

export interface Claim {
  id: number;
  userId: number;
  volunteer: string;
  date: string;
  hours: number;
  action: string;
  note: string | null;
}

/** One page of the queue, oldest first. */
export async function pendingClaims(
  db: Executor,
  organizationIds: readonly number[],
  locale: Locale,
  { offset = 0, limit = 5 }: { offset?: number; limit?: number } = {},
): Promise<Claim[]> {
  return db
    .select({
      id: hourEntries.id,
      userId: hourEntries.userId,
      volunteer: sql<string>`coalesce(nullif(trim(concat_ws(' ', ${users.firstName}, ${users.lastName})), ''),
        '@' || ${users.username}, ${users.id}::text)`,
      date: hourEntries.activityDate,
      hours: hourEntries.hours,
      action: pickSql(actions.titleKk, actions.titleRu, locale),
      note: hourEntries.note,
    })
    .from(hourEntries)
    .innerJoin(actions, eq(actions.id, hourEntries.actionId))
    .innerJoin(users, eq(users.id, hourEntries.userId))
    .where(queued(organizationIds))
    .orderBy(asc(hourEntries.createdAt), asc(hourEntries.id))
    .offset(offset)
    .limit(limit);
}

export async function countPendingClaims(db: Executor, organizationIds: readonly number[]): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(hourEntries)
    .innerJoin(actions, eq(actions.id, hourEntries.actionId))
    .where(queued(organizationIds));
  return row?.n ?? 0;
}

/** A self-report on one of the organizations' actions, whatever its status (never trust an id from a button). */
export async function claimOfOrganizations(db: Executor, organizationIds: readonly number[], entryId: number) {
  if (!Number.isSafeInteger(entryId) || entryId <= 0 || entryId > 2_147_483_647 || organizationIds.length === 0)
    return undefined;
  const [row] = await db
    .select({ id: hourEntries.id, userId: hourEntries.userId, status: hourEntries.status })
    .from(hourEntries)
    .innerJoin(actions, eq(actions.id, hourEntries.actionId))
    .where(
      and(
        eq(hourEntries.id, entryId),
        eq(hourEntries.source, "self"),
        inArray(actions.organizationId, [...organizationIds]),
      ),
    );
  return row;
}

/** The claim when it is pending in one of the organizations' queues. */
export async function queuedClaim(db: Executor, organizationIds: readonly number[], entryId: number) {
  const claim = await claimOfOrganizations(db, organizationIds, entryId);
  return claim?.status === "pending" ? claim : undefined;
}

/**
 * Confirms every pending claim of the organizations (the decider's own excepted: nobody confirms their own); each
 * volunteer is told (decideHours). Returns how many were confirmed.
 */
export async function confirmAllClaims(
  db: Database,
  organizationIds: readonly number[],
  deciderId: number,
  now = new Date(),
): Promise<number> {
  const rows = await db
    .select({ id: hourEntries.id, userId: hourEntries.userId })
    .from(hourEntries)
    .innerJoin(actions, eq(actions.id, hourEntries.actionId))
    .where(and(queued(organizationIds), isNull(hourEntries.decidedAt)))
    .orderBy(asc(hourEntries.createdAt), asc(hourEntries.id))
    .limit(1000);
  let confirmed = 0;
  for (const row of rows) {
    if (row.userId === deciderId) continue;
    try {
      const entry = await decideHours(db, row.id, deciderId, "confirmed", now);
      if (entry.status === "confirmed") confirmed++;
    } catch (error) {
      // Decided by someone else meanwhile.
      if (error instanceof HoursError && error.code === "already_decided") continue;
      throw error;
    }
  }
  return confirmed;
}
