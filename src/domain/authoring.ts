import { and, asc, desc, eq, gt, inArray, isNotNull, lte, sql } from "drizzle-orm";
import type { Database, Executor } from "../db/client";
import { at, enqueue, type OutboxMessage } from "../db/outbox";
import { type Action, actions, organizations, participations, regions, users } from "../db/schema";
import { DAY_MS, localDateKey } from "../core/time";
import type { Locale } from "../i18n";
import type { Staff } from "./access";
import { actionChanged, actionPublished } from "./action-events";
import type { Category } from "./categories";
import { pick, pickSql } from "./localized";
import { listActiveMarathons } from "./marathons";
import { promotedActionColumns, promotionNotice } from "./participation";

/** Limits of what organizers type (characters). */
export const MAX_TITLE = 120;
export const MAX_DESCRIPTION = 2000;
export const MAX_ADDRESS = 200;
export const MAX_CANCEL_REASON = 300;

/** An action being written, before it is published: what the organizer has given so far is all there. */
export interface ActionDraft {
  organizationId: number;
  titleKk: string | null;
  titleRu: string | null;
  descriptionKk: string | null;
  descriptionRu: string | null;
  addressKk: string | null;
  addressRu: string | null;
  category: Category;
  regionCode: string | null;
  /** ISO instants (the draft lives in a conversation's JSON log). */
  startsAt: string;
  endsAt: string;
  latitude: number;
  longitude: number;
  /** false: the coordinates are the region's center (only an address was given). */
  hasPin: boolean;
  /** null: unlimited. */
  capacity: number | null;
  hours: number;
  marathonId: number | null;
  walkIns: boolean;
}

export interface AuthoringOrganization {
  id: number;
  nameKk: string | null;
  nameRu: string | null;
  regionCode: string | null;
}

/** The approved organizations this user acts for, with their names (the /newaction organization step). */
export async function authoringOrganizations(db: Executor, staff: Staff): Promise<AuthoringOrganization[]> {
  const ids = staff.organizations.map((o) => o.id);
  if (ids.length === 0) return [];
  return db
    .select({
      id: organizations.id,
      nameKk: organizations.nameKk,
      nameRu: organizations.nameRu,
      regionCode: organizations.regionCode,
    })
    .from(organizations)
    .where(inArray(organizations.id, ids))
    .orderBy(asc(organizations.id));
}

/** Where an action of this organization is when the organizer gives only an address: its region's center. */
export async function regionCenter(
  db: Executor,
  regionCode: string | null,
): Promise<{ regionCode: string; latitude: number; longitude: number }> {
  const rows = await db
    .select({ code: regions.code, latitude: regions.latitude, longitude: regions.longitude })
    .from(regions)
    .where(regionCode ? eq(regions.code, regionCode) : eq(regions.code, "almaty"))
    .limit(1);
  const row = rows[0] ?? { code: "almaty", latitude: 43.238, longitude: 76.9452 };
  return { regionCode: row.code, latitude: row.latitude, longitude: row.longitude };
}

/** Marathons running now that an action of this region may count towards (national and the region's). */
export async function marathonChoices(db: Database, regionCode: string | null, locale: Locale, now: Date) {
  const rows = await listActiveMarathons(db, regionCode, now);
  return rows.map(({ marathon }) => ({ id: marathon.id, title: pick(marathon.titleKk, marathon.titleRu, locale) }));
}

/** A draft as the action row volunteers would see (the preview). */
export function draftAsAction(draft: ActionDraft, now: Date): Action {
  return {
    id: 0,
    organizationId: draft.organizationId,
    titleKk: draft.titleKk,
    titleRu: draft.titleRu,
    descriptionKk: draft.descriptionKk,
    descriptionRu: draft.descriptionRu,
    category: draft.category,
    regionCode: draft.regionCode,
    addressKk: draft.addressKk,
    addressRu: draft.addressRu,
    latitude: draft.latitude,
    longitude: draft.longitude,
    startsAt: new Date(draft.startsAt),
    endsAt: new Date(draft.endsAt),
    capacity: draft.capacity,
    participantsCount: 0,
    hours: draft.hours,
    marathonId: draft.marathonId,
    hasPin: draft.hasPin,
    walkIns: draft.walkIns,
    checkinToken: null,
    cancelReason: null,
    publishedAt: now,
    status: "published",
    createdBy: null,
    createdAt: now,
    updatedAt: now,
  };
}

function draftValues(draft: ActionDraft) {
  return {
    organizationId: draft.organizationId,
    titleKk: draft.titleKk || null,
    titleRu: draft.titleRu || null,
    descriptionKk: draft.descriptionKk || null,
    descriptionRu: draft.descriptionRu || null,
    addressKk: draft.addressKk || null,
    addressRu: draft.addressRu || null,
    category: draft.category,
    regionCode: draft.regionCode,
    latitude: draft.latitude,
    longitude: draft.longitude,
    hasPin: draft.hasPin,
    startsAt: new Date(draft.startsAt),
    endsAt: new Date(draft.endsAt),
    capacity: draft.capacity,
    hours: draft.hours,
    marathonId: draft.marathonId,
    walkIns: draft.walkIns,
  };
}

export type PublishResult =
  | { status: "published"; id: number; replayed: boolean }
  | { status: "refused"; reason: "past" | "no_title" };

/**
 * Publishes a draft as a new action, with actionPublished in the same transaction. `key` is the moment the
 * conversation started (kept in its replay log): stored as created_at with created_by, it finds the action a replay
 * after a crash (between the commit and the conversation's state write) already published, instead of a second one.
 */
export async function publishDraft(
  db: Database,
  draft: ActionDraft,
  userId: number,
  key: Date,
  now: Date,
): Promise<PublishResult> {
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: actions.id })
      .from(actions)
      // organization_id first: actions_organization_idx narrows the look-up to this organization's actions.
      .where(
        and(
          eq(actions.organizationId, draft.organizationId),
          eq(actions.createdBy, userId),
          eq(actions.createdAt, key),
        ),
      )
      .limit(1);
    if (existing) return { status: "published", id: existing.id, replayed: true };
    if (!draft.titleKk && !draft.titleRu) return { status: "refused", reason: "no_title" };
    if (new Date(draft.startsAt) <= now) return { status: "refused", reason: "past" };
    return insertPublished(tx, { ...draftValues(draft), createdAt: key }, userId, now);
  });
}

/** Inserts an action as published now by this user, with actionPublished in the same transaction. */
async function insertPublished(
  tx: Executor,
  values: Omit<typeof actions.$inferInsert, "status" | "publishedAt" | "createdBy" | "updatedAt">,
  userId: number,
  now: Date,
): Promise<{ status: "published"; id: number; replayed: false }> {
  const [row] = await tx
    .insert(actions)
    .values({ ...values, status: "published", publishedAt: now, createdBy: userId, updatedAt: now })
    .returning({ id: actions.id });
  await actionPublished(tx, row!.id, now);
  return { status: "published", id: row!.id, replayed: false };
}

// ----- the organizer's actions -------------------------------------------------------------------------------------

export interface OrganizerActionRow {
  id: number;
  title: string;
  category: string;
  startsAt: Date;
  endsAt: Date;
  status: Action["status"];
  capacity: number | null;
  participantsCount: number;
  waitlisted: number;
  organizationName: string;
}

const waitlistedCount = sql<number>`(
  select count(*) from ${participations} w where w.action_id = ${actions.id} and w.status = 'waitlisted'
)`.mapWith(Number);

/** One page of an organization's actions: upcoming (not yet ended, soonest first) or past (latest first). */
export async function organizerActions(
  db: Database,
  organizationIds: readonly number[],
  which: "upcoming" | "past",
  page: number,
  pageSize: number,
  locale: Locale,
  now: Date,
): Promise<{ rows: OrganizerActionRow[]; more: boolean }> {
  if (organizationIds.length === 0) return { rows: [], more: false };
  const rows = await db
    .select({
      id: actions.id,
      title: pickSql(actions.titleKk, actions.titleRu, locale),
      category: actions.category,
      startsAt: actions.startsAt,
      endsAt: actions.endsAt,
      status: actions.status,
      capacity: actions.capacity,
      participantsCount: actions.participantsCount,
      waitlisted: waitlistedCount,
      organizationName: pickSql(organizations.nameKk, organizations.nameRu, locale),
    })
    .from(actions)
    .innerJoin(organizations, eq(organizations.id, actions.organizationId))
    .where(
      and(
        inArray(actions.organizationId, [...organizationIds]),
        inArray(actions.status, ["published", "cancelled"]),
        which === "upcoming" ? gt(actions.endsAt, now) : lte(actions.endsAt, now),
      ),
    )
    .orderBy(
      ...(which === "upcoming" ? [asc(actions.startsAt), asc(actions.id)] : [desc(actions.startsAt), desc(actions.id)]),
    )
    .limit(pageSize + 1)
    .offset(page * pageSize);
  return { rows: rows.slice(0, pageSize), more: rows.length > pageSize };
}

export interface ActionFigures {
  joined: number;
  waitlisted: number;
  checkedIn: number;
}

/** Joined, waitlisted and checked in, for the organizer's action screen. */
export async function actionFigures(db: Executor, actionId: number): Promise<ActionFigures> {
  const [row] = await db
    .select({
      joined: sql<number>`count(*) filter (where ${participations.status} = 'joined')`.mapWith(Number),
      waitlisted: sql<number>`count(*) filter (where ${participations.status} = 'waitlisted')`.mapWith(Number),
      checkedIn: sql<number>`count(*) filter (where ${isNotNull(participations.checkedInAt)})`.mapWith(Number),
    })
    .from(participations)
    .where(eq(participations.actionId, actionId));
  return { joined: row?.joined ?? 0, waitlisted: row?.waitlisted ?? 0, checkedIn: row?.checkedIn ?? 0 };
}

/** The organization's name of an action in a language. */
export async function organizationName(db: Executor, organizationId: number | null, locale: Locale): Promise<string> {
  if (organizationId === null) return "";
  const [row] = await db
    .select({ nameKk: organizations.nameKk, nameRu: organizations.nameRu })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  return row ? pick(row.nameKk, row.nameRu, locale) : "";
}

// ----- changes to a published action -------------------------------------------------------------------------------

/** What an organizer may change in a published action (each field on its own, or a few together). */
export type ActionChange = Partial<
  Pick<
    ActionDraft,
    | "titleKk"
    | "titleRu"
    | "descriptionKk"
    | "descriptionRu"
    | "addressKk"
    | "addressRu"
    | "category"
    | "startsAt"
    | "endsAt"
    | "latitude"
    | "longitude"
    | "hasPin"
    | "capacity"
    | "hours"
    | "marathonId"
    | "walkIns"
  >
>;

export type ChangeRefusal =
  | "not_found"
  | "cancelled"
  | "started"
  | "past"
  | "no_title"
  | "end_before_start"
  | "capacity";

export type ChangeResult =
  | { status: "updated"; notified: number; promoted: number }
  | { status: "refused"; reason: ChangeRefusal };

/** Applies a change to a draft as the same rules as to an action: a new start keeps the duration. */
export function applyChange<T extends { startsAt: string | Date; endsAt: string | Date }>(
  current: T,
  change: ActionChange,
): ActionChange {
  const resolved: ActionChange = { ...change };
  if (change.startsAt !== undefined && change.endsAt === undefined) {
    const duration = new Date(current.endsAt).getTime() - new Date(current.startsAt).getTime();
    resolved.endsAt = new Date(new Date(change.startsAt).getTime() + duration).toISOString();
  }
  return resolved;
}

async function lockForChange(tx: Executor, actionId: number) {
  if (!Number.isSafeInteger(actionId) || actionId <= 0 || actionId > 2_147_483_647) return undefined;
  const [row] = await tx.select().from(actions).where(eq(actions.id, actionId)).for("update");
  return row;
}

/** Joined and waitlisted volunteers with their language: who is told of a change or a cancellation. */
async function audienceOf(tx: Executor, actionId: number) {
  const rows = await tx
    .select({ userId: participations.userId, language: users.language })
    .from(participations)
    .innerJoin(users, eq(users.id, participations.userId))
    .where(
      and(
        eq(participations.actionId, actionId),
        inArray(participations.status, ["joined", "waitlisted"]),
        sql`${users.blockedAt} is null`,
      ),
    );
  return rows.map((r) => ({ userId: r.userId, locale: (r.language === "ru" ? "ru" : "kk") as Locale }));
}

/**
 * Changes a published action that has not started. When its time or place changed, every joined and waitlisted
 * volunteer is told through the outbox in their language (one notice per change: the key holds `changeKey`), and
 * actionChanged runs, all in one transaction under the action's row lock.
 */
export async function changeAction(
  db: Database,
  actionId: number,
  change: ActionChange,
  now: Date,
  /** Names this change in the notices' keys (a replay of the same change enqueues nothing new). */
  changeKey = String(now.getTime()),
): Promise<ChangeResult> {
  return db.transaction(async (tx) => {
    const action = await lockForChange(tx, actionId);
    if (!action || action.status === "draft") return { status: "refused", reason: "not_found" };
    if (action.status === "cancelled") return { status: "refused", reason: "cancelled" };
    if (action.startsAt <= now) return { status: "refused", reason: "started" };
    const resolved = applyChange(action, change);
    const values = {
      ...resolved,
      startsAt: resolved.startsAt === undefined ? undefined : new Date(resolved.startsAt),
      endsAt: resolved.endsAt === undefined ? undefined : new Date(resolved.endsAt),
    };
    const next = { ...action, ...Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) };
    if (!next.titleKk && !next.titleRu) return { status: "refused", reason: "no_title" };
    if (next.startsAt <= now) return { status: "refused", reason: "past" };
    if (next.endsAt <= next.startsAt) return { status: "refused", reason: "end_before_start" };
    if (next.capacity !== null && next.capacity < action.participantsCount)
      return { status: "refused", reason: "capacity" };

    const timeChanged =
      next.startsAt.getTime() !== action.startsAt.getTime() || next.endsAt.getTime() !== action.endsAt.getTime();
    const placeChanged =
      next.latitude !== action.latitude ||
      next.longitude !== action.longitude ||
      (next.addressKk ?? null) !== action.addressKk ||
      (next.addressRu ?? null) !== action.addressRu;
    await tx
      .update(actions)
      .set({ ...values, updatedAt: now })
      .where(eq(actions.id, actionId));

    const promoted = await promoteWaitlist(tx, actionId, next.capacity, action.participantsCount, now);
    let notified = 0;
    if (timeChanged || placeChanged) {
      const audience = await audienceOf(tx, actionId);
      const messages: OutboxMessage[] = audience.map(({ userId, locale }) => {
        const address = pick(next.addressKk, next.addressRu, locale);
        return {
          chatId: userId,
          idempotencyKey: `achg:${actionId}:${changeKey}:${userId}`,
          content: {
            template: address ? "authoring.changed_notice" : "authoring.changed_notice_no_address",
            params: {
              title: pick(next.titleKk, next.titleRu, locale),
              when: at.datetime(next.startsAt),
              // The end's day only when it differs from the start's.
              end:
                localDateKey(next.startsAt) === localDateKey(next.endsAt)
                  ? at.time(next.endsAt)
                  : at.datetime(next.endsAt),
              address,
            },
            locale,
            buttons: [[{ kind: "action.open", actionId }]],
          },
        };
      });
      notified = await enqueue(tx, messages);
    }
    await actionChanged(tx, actionId, now);
    return { status: "updated", notified, promoted };
  });
}

/**
 * More places (or no limit any more): the first volunteers of the waitlist take them, in order, and are told (the
 * same notice and key as a promotion after a leave, participation.ts). Inside the change's transaction and lock.
 */
async function promoteWaitlist(
  tx: Executor,
  actionId: number,
  capacity: number | null,
  joined: number,
  now: Date,
): Promise<number> {
  const free = capacity === null ? MAX_PROMOTED : Math.min(MAX_PROMOTED, capacity - joined);
  if (free <= 0) return 0;
  const waiting = await tx
    .select({
      userId: participations.userId,
      queuedSeq: participations.queuedSeq,
      language: users.language,
    })
    .from(participations)
    .innerJoin(users, eq(users.id, participations.userId))
    .innerJoin(actions, eq(actions.id, participations.actionId))
    .where(and(eq(participations.actionId, actionId), eq(participations.status, "waitlisted")))
    .orderBy(asc(participations.queuedSeq))
    .limit(free);
  if (waiting.length === 0) return 0;
  await tx
    .update(participations)
    .set({ status: "joined", updatedAt: now })
    .where(
      and(
        eq(participations.actionId, actionId),
        inArray(
          participations.userId,
          waiting.map((w) => w.userId),
        ),
      ),
    );
  await tx
    .update(actions)
    .set({ participantsCount: sql`${actions.participantsCount} + ${waiting.length}` })
    .where(eq(actions.id, actionId));
  const [action] = await tx.select(promotedActionColumns).from(actions).where(eq(actions.id, actionId));
  await enqueue(
    tx,
    waiting.map((w) => promotionNotice(action!, w)),
  );
  return waiting.length;
}

/** At most this many waitlisted volunteers are promoted by one change (a limit lifted on a huge waitlist). */
const MAX_PROMOTED = 10_000;

export type CancelResult =
  | { status: "cancelled"; notified: number }
  | { status: "refused"; reason: "not_found" | "cancelled" | "started" };

/**
 * Cancels a published action that has not started, with the organizer's reason: joined and waitlisted volunteers are
 * told in their language, the action leaves search (search lists only published ones) and actionChanged runs, in one
 * transaction. A second cancel is refused, so nobody is told twice.
 */
export async function cancelAction(db: Database, actionId: number, reason: string, now: Date): Promise<CancelResult> {
  return db.transaction(async (tx) => {
    const action = await lockForChange(tx, actionId);
    if (!action || action.status === "draft") return { status: "refused", reason: "not_found" };
    if (action.status === "cancelled") return { status: "refused", reason: "cancelled" };
    if (action.startsAt <= now) return { status: "refused", reason: "started" };
    await tx
      .update(actions)
      .set({ status: "cancelled", cancelReason: reason, updatedAt: now })
      .where(eq(actions.id, actionId));
    const audience = await audienceOf(tx, actionId);
    const notified = await enqueue(
      tx,
      audience.map(({ userId, locale }) => ({
        chatId: userId,
        idempotencyKey: `acnl:${actionId}:${userId}`,
        content: {
          template: "authoring.cancelled_notice",
          params: { title: pick(action.titleKk, action.titleRu, locale), when: at.datetime(action.startsAt), reason },
          locale,
        },
      })),
    );
    await actionChanged(tx, actionId, now);
    return { status: "cancelled", notified };
  });
}

/** The start of a copy "same next week": a week later, and further weeks until it is in the future. */
export function nextWeekStart(startsAt: Date, now: Date): Date {
  let start = startsAt.getTime() + 7 * DAY_MS;
  while (start <= now.getTime()) start += 7 * DAY_MS;
  return new Date(start);
}

/**
 * Publishes a copy of an action a week later (see nextWeekStart) with nobody joined yet, and actionPublished, in one
 * transaction. A copy of this action at that time already there (a second press, a replay) is returned instead.
 */
export async function duplicateAction(
  db: Database,
  actionId: number,
  userId: number,
  startsAt: Date,
  now: Date,
): Promise<
  { status: "published"; id: number; replayed: boolean } | { status: "refused"; reason: "not_found" | "past" }
> {
  return db.transaction(async (tx) => {
    const source = await lockForChange(tx, actionId);
    if (!source || source.status === "draft") return { status: "refused", reason: "not_found" };
    if (startsAt <= now) return { status: "refused", reason: "past" };
    const [existing] = await tx
      .select({ id: actions.id })
      .from(actions)
      .where(
        and(
          eq(actions.organizationId, source.organizationId ?? -1),
          eq(actions.startsAt, startsAt),
          eq(actions.status, "published"),
          sql`${actions.titleKk} is not distinct from ${source.titleKk}`,
          sql`${actions.titleRu} is not distinct from ${source.titleRu}`,
        ),
      )
      .limit(1);
    if (existing) return { status: "published", id: existing.id, replayed: true };
    const duration = source.endsAt.getTime() - source.startsAt.getTime();
    const {
      id: _id,
      participantsCount: _count,
      checkinToken: _token,
      cancelReason: _reason,
      createdAt: _created,
      ...copied
    } = source;
    const { status: _status, publishedAt: _published, createdBy: _by, updatedAt: _updated, ...rest } = copied;
    return insertPublished(
      tx,
      { ...rest, startsAt, endsAt: new Date(startsAt.getTime() + duration), createdAt: now },
      userId,
      now,
    );
  });
}
