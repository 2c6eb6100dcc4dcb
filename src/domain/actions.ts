import { and, eq, gt, gte, inArray, lt, sql } from "drizzle-orm";
import type { Database, Executor } from "../db/client";
import { type BrowseState, actions, browseStates, organizations } from "../db/schema";
import type { Action } from "../db/schema";
import { type Category, isCategory } from "./categories";
import { ALMATY_OFFSET_MS, DAY_MS } from "../core/time";
import type { GeoPoint } from "./users";
import { isOneOf } from "../core/one-of";
import type { Locale } from "../i18n";
import { pick, pickSql } from "./localized";

export const PERIODS = ["all", "today", "weekend", "week", "month"] as const;
export type Period = (typeof PERIODS)[number];

export function isPeriod(value: unknown): value is Period {
  return isOneOf(PERIODS, value);
}

/** The radii a list can be widened to (km); null is the whole country. */
export const RADII = [50, 100, 300] as const;
export const DEFAULT_RADIUS_KM = 50;
export type RadiusKm = (typeof RADII)[number] | null;

export function isRadius(value: unknown): value is RadiusKm {
  return value === null || (RADII as readonly unknown[]).includes(value);
}

/** A count above this is shown as "this many or more" (counting the whole country's actions is never needed). */
export const COUNT_CAP = 100;

export interface NearbyQuery {
  latitude: number;
  longitude: number;
  /** Any of these; empty or missing = every category. */
  categories?: readonly Category[];
  period?: Period;
  /** Only actions within this many km; null or missing = anywhere. */
  radiusKm?: number | null;
  limit: number;
  offset: number;
  /** The language titles and addresses are picked in. */
  locale: Locale;
  now?: Date;
}

export interface NearbyAction {
  id: number;
  title: string;
  category: string;
  startsAt: Date;
  endsAt: Date;
  /** null: unlimited. */
  capacity: number | null;
  participantsCount: number;
  /** null: unlimited. */
  spotsLeft: number | null;
  distanceMeters: number;
  address: string;
  organizationName: string | null;
  latitude: number;
  longitude: number;
}

/** An action with its texts in the reader's language (else the other one). */
export type ActionCard = Action & {
  title: string;
  description: string;
  address: string;
  organizationName: string | null;
  /** null: unlimited. */
  spotsLeft: number | null;
};

/** Spots left; null when the action has no capacity limit. */
export function spotsLeft(capacity: number | null, participantsCount: number): number | null {
  return capacity === null ? null : Math.max(0, capacity - participantsCount);
}

/** An action row with its texts picked for a reader. */
export function localizeAction<A extends Action>(
  action: A,
  organization: { nameKk: string | null; nameRu: string | null } | null,
  locale: Locale,
) {
  return {
    ...action,
    title: pick(action.titleKk, action.titleRu, locale),
    description: pick(action.descriptionKk, action.descriptionRu, locale),
    address: pick(action.addressKk, action.addressRu, locale),
    organizationName: organization ? pick(organization.nameKk, organization.nameRu, locale) || null : null,
    spotsLeft: spotsLeft(action.capacity, action.participantsCount),
  };
}

/** Local midnight (Asia/Almaty) of the day `now` falls on, `days` days later, as a UTC instant. */
function localMidnight(now: Date, days = 0): Date {
  const local = now.getTime() + ALMATY_OFFSET_MS;
  return new Date(local - (local % DAY_MS) + days * DAY_MS - ALMATY_OFFSET_MS);
}

/**
 * The window of start times a period covers, from `now`: today; this weekend (Saturday and Sunday, the coming one
 * on weekdays); this week (until Sunday ends); this month. `until` is exclusive.
 */
export function periodWindow(period: Period, now: Date): { from: Date; until?: Date } {
  const weekday = new Date(now.getTime() + ALMATY_OFFSET_MS).getUTCDay(); // 0 = Sunday
  const daysToMonday = weekday === 0 ? 1 : 8 - weekday;
  switch (period) {
    case "all":
      return { from: now };
    case "today":
      return { from: now, until: localMidnight(now, 1) };
    case "week":
      return { from: now, until: localMidnight(now, daysToMonday) };
    case "weekend": {
      const saturday = localMidnight(now, weekday === 0 ? -1 : 6 - weekday);
      return { from: saturday > now ? saturday : now, until: localMidnight(now, daysToMonday) };
    }
    case "month": {
      const local = new Date(now.getTime() + ALMATY_OFFSET_MS);
      const firstOfNext = Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - ALMATY_OFFSET_MS;
      return { from: now, until: new Date(firstOfNext) };
    }
  }
}

/**
 * Actions sharing the exact distance (one venue) beyond the page boundary that a single KNN scan still orders
 * deterministically: the scan fetches this many more rows, which are then ordered by (distance, id) in memory.
 */
const TIE_SLACK = 5;

/**
 * Upcoming published actions, nearest first: one KNN scan of the GiST index actions_geo_idx (cube's `<->` on
 * ll_to_earth), which stops after offset + limit + TIE_SLACK rows. Ordering those by (distance, id) makes paging
 * stable for actions at one venue, without a second index pass. Full actions are listed too (they offer a waitlist).
 */
export async function findNearbyActions(db: Database, q: NearbyQuery): Promise<NearbyAction[]> {
  const rows = await nearbyActionsQuery(db, q);
  return rows
    .sort((a, b) => a.distanceMeters - b.distanceMeters || a.id - b.id)
    .slice(q.offset, q.offset + q.limit)
    .map((r) => ({ ...r, spotsLeft: spotsLeft(r.capacity, r.participantsCount) }));
}

/**
 * The filters shared by the list and its count: upcoming published actions in the period, of the categories, and
 * within the radius: earth_box(origin, r) @> point is the GiST index condition that bounds the scan (without it a
 * KNN scan with a distance filter would walk the whole index when fewer rows than the limit are in range).
 */
function nearbyFilter(q: NearbyQuery) {
  const window = periodWindow(q.period ?? "all", q.now ?? new Date());
  const origin = sql`ll_to_earth(${q.latitude}::float8, ${q.longitude}::float8)`;
  const point = sql`ll_to_earth(${actions.latitude}, ${actions.longitude})`;
  const meters = q.radiusKm ? q.radiusKm * 1000 : undefined;
  const where = and(
    eq(actions.status, "published"),
    gt(actions.startsAt, window.from),
    window.until ? lt(actions.startsAt, window.until) : undefined,
    q.categories?.length ? inArray(actions.category, [...q.categories]) : undefined,
    meters ? sql`earth_box(${origin}, ${meters}::float8) @> ${point}` : undefined,
    meters ? sql`earth_distance(${point}, ${origin}) <= ${meters}::float8` : undefined,
  );
  return { origin, point, where };
}

/** The query behind findNearbyActions, unexecuted (for EXPLAIN in tests and benchmarks). */
export function nearbyActionsQuery(db: Database, q: NearbyQuery) {
  const { origin, point, where } = nearbyFilter(q);
  return db
    .select({
      id: actions.id,
      title: pickSql(actions.titleKk, actions.titleRu, q.locale),
      category: actions.category,
      startsAt: actions.startsAt,
      endsAt: actions.endsAt,
      capacity: actions.capacity,
      participantsCount: actions.participantsCount,
      distanceMeters: sql<number>`earth_distance(${point}, ${origin})`.mapWith(Number),
      address: pickSql(actions.addressKk, actions.addressRu, q.locale),
      organizationName: pickSql(organizations.nameKk, organizations.nameRu, q.locale),
      latitude: actions.latitude,
      longitude: actions.longitude,
    })
    .from(actions)
    .leftJoin(organizations, eq(organizations.id, actions.organizationId))
    .where(where)
    .orderBy(sql`${point} <-> ${origin}`)
    .limit(q.offset + q.limit + TIE_SLACK);
}

/**
 * How many actions the list holds (same filters, limit and offset aside), counted up to COUNT_CAP + 1: the scan is
 * bounded by the radius box and stops at the cap, so a dense city never costs a full count.
 */
export async function countNearbyActions(db: Database, q: Omit<NearbyQuery, "limit" | "offset" | "locale">) {
  return Number((await countNearbyQuery(db, q))[0]?.count ?? 0);
}

export function countNearbyQuery(db: Database, q: Omit<NearbyQuery, "limit" | "offset" | "locale">) {
  const { where } = nearbyFilter({ ...q, limit: 0, offset: 0, locale: "kk" });
  const capped = db
    .select({ one: sql`1` })
    .from(actions)
    .where(where)
    .limit(COUNT_CAP + 1)
    .as("capped");
  return db.select({ count: sql<number>`count(*)`.mapWith(Number) }).from(capped);
}

export async function getActionCard(db: Database, id: number, locale: Locale): Promise<ActionCard | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) return undefined;
  const [row] = await db
    .select({ action: actions, nameKk: organizations.nameKk, nameRu: organizations.nameRu })
    .from(actions)
    .leftJoin(organizations, eq(organizations.id, actions.organizationId))
    .where(eq(actions.id, id))
    .limit(1);
  if (!row || row.action.status === "draft") return undefined;
  return localizeAction(row.action, row.nameKk === null && row.nameRu === null ? null : row, locale);
}

// ----- browse state: the search session of one user ---------------------------------------------

/** A shared location counts as a search origin this long after the bot asked for one. */
export const LOCATION_REQUEST_TTL_MS = 10 * 60_000;
/** The search origin is remembered for a session of this length, then asked again. */
export const ORIGIN_TTL_MS = 6 * 3600_000;

export interface Browse {
  origin?: GeoPoint;
  /** null: never chosen (the list starts with the volunteer's interests); empty: all categories. */
  categories: Category[] | null;
  period: Period;
  /** null: the whole country. */
  radiusKm: RadiusKm;
  page: number;
  awaitingLocation: boolean;
}

function toBrowse(row: BrowseState | undefined, now: Date): Browse {
  const originFresh = row?.originAt && now.getTime() - row.originAt.getTime() < ORIGIN_TTL_MS;
  return {
    origin:
      originFresh && row.latitude !== null && row.longitude !== null
        ? { latitude: row.latitude, longitude: row.longitude }
        : undefined,
    categories: row?.categories ? row.categories.filter(isCategory) : null,
    radiusKm: row ? (isRadius(row.radiusKm) ? row.radiusKm : DEFAULT_RADIUS_KM) : DEFAULT_RADIUS_KM,
    period: isPeriod(row?.period) ? row.period : "all",
    page: row?.page ?? 0,
    awaitingLocation: Boolean(
      row?.awaitingLocationAt && now.getTime() - row.awaitingLocationAt.getTime() < LOCATION_REQUEST_TTL_MS,
    ),
  };
}

export async function getBrowse(db: Database, userId: number, now = new Date()): Promise<Browse> {
  const [row] = await db.select().from(browseStates).where(eq(browseStates.userId, userId)).limit(1);
  return toBrowse(row, now);
}

/** Erases search points older than a session: a shared location is not kept beyond ORIGIN_TTL_MS. */
export async function forgetStaleSearchOrigins(db: Executor, now = new Date()): Promise<number> {
  const erased = await db
    .update(browseStates)
    .set({ latitude: null, longitude: null, originAt: null })
    .where(lt(browseStates.originAt, new Date(now.getTime() - ORIGIN_TTL_MS)))
    .returning({ userId: browseStates.userId });
  return erased.length;
}

export interface BrowseChange {
  origin?: GeoPoint;
  categories?: readonly Category[];
  radiusKm?: RadiusKm;
  period?: Period;
  page?: number;
  /** Ask for a location: for a search (true or 'search'), to save it ('save'); false stops waiting. */
  awaitingLocation?: boolean | LocationPurpose;
}

export type LocationPurpose = "search" | "save";

/** Applies a change to the session (creating it) and returns the new state. */
export async function updateBrowse(
  db: Database,
  userId: number,
  change: BrowseChange,
  now = new Date(),
): Promise<Browse> {
  const values: Partial<typeof browseStates.$inferInsert> = { updatedAt: now };
  if (change.origin) Object.assign(values, { ...change.origin, originAt: now });
  if (change.categories !== undefined) values.categories = [...new Set(change.categories)];
  if (change.radiusKm !== undefined) values.radiusKm = change.radiusKm;
  if (change.period !== undefined) values.period = change.period;
  if (change.page !== undefined) values.page = Math.max(0, change.page);
  if (change.awaitingLocation !== undefined) {
    values.awaitingLocationAt = change.awaitingLocation ? now : null;
    values.awaitingLocationFor =
      change.awaitingLocation === "save" ? "save" : change.awaitingLocation ? "search" : null;
  }
  const [row] = await db
    .insert(browseStates)
    .values({ userId, ...values })
    .onConflictDoUpdate({ target: browseStates.userId, set: values })
    .returning();
  return toBrowse(row, now);
}

/**
 * Consumes a pending location request: what the location is for when the bot asked for one recently (and now stops
 * waiting), else undefined.
 */
export async function takeLocationRequest(
  db: Database,
  userId: number,
  now = new Date(),
): Promise<LocationPurpose | undefined> {
  const [previous] = await db
    .select({ purpose: browseStates.awaitingLocationFor })
    .from(browseStates)
    .where(eq(browseStates.userId, userId));
  const taken = await db
    .update(browseStates)
    .set({ awaitingLocationAt: null, awaitingLocationFor: null, updatedAt: now })
    .where(
      and(
        eq(browseStates.userId, userId),
        gte(browseStates.awaitingLocationAt, new Date(now.getTime() - LOCATION_REQUEST_TTL_MS)),
      ),
    )
    .returning({ userId: browseStates.userId });
  if (taken.length === 0) return undefined;
  return previous?.purpose === "save" ? "save" : "search";
}
