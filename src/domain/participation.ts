import { and, asc, desc, eq, gt, inArray, lte, sql } from "drizzle-orm";
import type { Database, Executor } from "../db/client";
import { actions, type ActionStatus, participations, users } from "../db/schema";
import { enqueue, type OutboxMessage } from "../db/outbox";
import type { Locale } from "../i18n";
import { pick, pickSql } from "./localized";
import { kzPlaces, placeName } from "./places";
import { actionChanged } from "./action-events";

export type JoinResult =
  | { status: "joined" }
  | { status: "waitlisted"; position: number }
  | {
      status: "refused";
      reason: "not_found" | "cancelled" | "past" | "already_joined" | "already_waitlisted" | "paused";
    };

export type LeaveResult =
  | {
      status: "left";
      from: "joined" | "waitlisted";
      promotedUserId?: number;
      /** The participation's queue number: names this leave for its Undo button (a re-join takes a new one). */
      seq: number;
    }
  | { status: "refused"; reason: "not_found" | "not_joined" | "started" };

/**
 * Undo of a leave: back on the list, or on the waitlist at the former place; or refused. "taken": the seat went to
 * the next on the waitlist or to a new join (the user may join the waitlist instead); "stale": this leave was undone
 * or followed by a re-join, or there was none.
 */
export type UndoResult =
  | { status: "restored"; standing: Standing }
  | { status: "refused"; reason: "not_found" | "cancelled" | "started" | "paused" | "stale" | "taken" };

export type Standing = { status: "joined" } | { status: "waitlisted"; position: number };

export interface MyAction {
  id: number;
  title: string;
  category: string;
  startsAt: Date;
  endsAt: Date;
  actionStatus: ActionStatus;
  status: "joined" | "waitlisted";
  /** 1-based place in the waitlist; only when waitlisted. */
  position?: number;
}

const nextQueuedSeq = sql`nextval(pg_get_serial_sequence('participations', 'queued_seq'))`;

/** Locks the action row: every join and leave of one action is decided one at a time. */
/** What a promotion notice needs of its action (promotionNotice), as columns to select. */
export const promotedActionColumns = {
  id: actions.id,
  titleKk: actions.titleKk,
  titleRu: actions.titleRu,
  addressKk: actions.addressKk,
  addressRu: actions.addressRu,
  latitude: actions.latitude,
  longitude: actions.longitude,
  hasPin: actions.hasPin,
  startsAt: actions.startsAt,
};

async function lockAction(tx: Executor, actionId: number) {
  if (!Number.isSafeInteger(actionId) || actionId <= 0 || actionId > 2_147_483_647) return undefined;
  const [action] = await tx
    .select({
      ...promotedActionColumns,
      status: actions.status,
      capacity: actions.capacity,
      participantsCount: actions.participantsCount,
    })
    .from(actions)
    .where(eq(actions.id, actionId))
    .for("update");
  return action && action.status !== "draft" ? action : undefined;
}

/** A seat taken (+1) or freed (-1): the counter under the action's lock, and the event for those who follow it. */
async function countSeat(tx: Executor, actionId: number, delta: 1 | -1, now: Date): Promise<void> {
  await tx
    .update(actions)
    .set({ participantsCount: sql`${actions.participantsCount} + ${delta}`, updatedAt: now })
    .where(eq(actions.id, actionId));
  await actionChanged(tx, actionId, now);
}

async function waitlistPosition(db: Executor, actionId: number, queuedSeq: number): Promise<number> {
  const [row] = await db
    .select({ position: sql<number>`count(*)`.mapWith(Number) })
    .from(participations)
    .where(
      and(
        eq(participations.actionId, actionId),
        eq(participations.status, "waitlisted"),
        lte(participations.queuedSeq, queuedSeq),
      ),
    );
  return row!.position;
}

/**
 * Joins the action, or puts the user on its waitlist when it is full. Decided under the action's row lock, so the
 * number joined never exceeds the capacity and waitlist order is the order in which joins were decided.
 */
export async function joinAction(
  db: Database,
  actionId: number,
  userId: number,
  now = new Date(),
): Promise<JoinResult> {
  return db.transaction(async (tx) => {
    const action = await lockAction(tx, actionId);
    if (!action) return { status: "refused", reason: "not_found" };
    if (action.status === "cancelled") return { status: "refused", reason: "cancelled" };
    if (action.startsAt <= now) return { status: "refused", reason: "past" };
    const [user] = await tx.select({ pausedAt: users.pausedAt }).from(users).where(eq(users.id, userId));
    if (!user) return { status: "refused", reason: "not_found" };
    if (user.pausedAt) return { status: "refused", reason: "paused" };

    const [current] = await tx
      .select({ status: participations.status })
      .from(participations)
      .where(and(eq(participations.actionId, actionId), eq(participations.userId, userId)));
    if (current?.status === "joined") return { status: "refused", reason: "already_joined" };
    if (current?.status === "waitlisted") return { status: "refused", reason: "already_waitlisted" };

    const status = action.capacity === null || action.participantsCount < action.capacity ? "joined" : "waitlisted";
    // A re-join after leaving goes to the back of the queue: a fresh queued_seq.
    const [row] = await tx
      .insert(participations)
      .values({ actionId, userId, status })
      .onConflictDoUpdate({
        target: [participations.actionId, participations.userId],
        set: { status, queuedSeq: nextQueuedSeq, leftFrom: null, attendance: null, updatedAt: now },
      })
      .returning({ queuedSeq: participations.queuedSeq });
    if (status === "waitlisted") return { status, position: await waitlistPosition(tx, actionId, row!.queuedSeq) };
    await countSeat(tx, actionId, 1, now);
    return { status };
  });
}

/** What a promotion notice needs of its action. */
export interface PromotedAction {
  id: number;
  titleKk: string | null;
  titleRu: string | null;
  addressKk: string | null;
  addressRu: string | null;
  latitude: number;
  longitude: number;
  hasPin: boolean;
  startsAt: Date;
}

/**
 * The notice to someone moved from the waitlist onto the list (after a leave, or more places): when and where, the
 * card, and "I can't" for someone whose plans changed while waiting (frees the seat for the next one).
 */
export function promotionNotice(
  action: PromotedAction,
  person: { userId: number; queuedSeq: number; language: string | null },
): OutboxMessage {
  const locale: Locale = person.language === "ru" ? "ru" : "kk";
  return {
    chatId: person.userId,
    idempotencyKey: `promoted:${action.id}:${person.userId}:${person.queuedSeq}`,
    content: {
      template: "actions.promoted_notice",
      params: {
        title: pick(action.titleKk, action.titleRu, locale),
        when: { $datetime: action.startsAt.toISOString() },
        address: pick(action.addressKk, action.addressRu, locale) || nearestTown(action, locale) || "—",
      },
      locale,
      buttons: [[{ kind: "action.open", actionId: action.id }], [{ kind: "reminder.cant", actionId: action.id }]],
    },
    expiresAt: action.startsAt,
  };
}

/**
 * Leaves the action (or its waitlist). A joined user's spot goes, in the same transaction, to the first user on the
 * waitlist, whose notice is enqueued in the outbox then too: a crash can lose neither the promotion nor the notice.
 */
export async function leaveAction(
  db: Database,
  actionId: number,
  userId: number,
  now = new Date(),
): Promise<LeaveResult> {
  return db.transaction(async (tx) => {
    const action = await lockAction(tx, actionId);
    if (!action) return { status: "refused", reason: "not_found" };
    if (action.startsAt <= now) return { status: "refused", reason: "started" };

    const [current] = await tx
      .select({ status: participations.status, seq: participations.queuedSeq })
      .from(participations)
      .where(and(eq(participations.actionId, actionId), eq(participations.userId, userId)));
    if (current?.status !== "joined" && current?.status !== "waitlisted")
      return { status: "refused", reason: "not_joined" };
    const { seq } = current;
    // The row keeps its queued_seq (a waitlisted user's place) and where it was, for Undo.
    await tx
      .update(participations)
      .set({ status: "left", leftFrom: current.status, updatedAt: now })
      .where(and(eq(participations.actionId, actionId), eq(participations.userId, userId)));
    if (current.status === "waitlisted") return { status: "left", from: "waitlisted", seq };

    const [next] =
      action.status === "published"
        ? await tx
            .select({ userId: participations.userId, queuedSeq: participations.queuedSeq, language: users.language })
            .from(participations)
            .innerJoin(users, eq(users.id, participations.userId))
            .where(and(eq(participations.actionId, actionId), eq(participations.status, "waitlisted")))
            .orderBy(asc(participations.queuedSeq))
            .limit(1)
        : [];
    if (!next) {
      await countSeat(tx, actionId, -1, now);
      return { status: "left", from: "joined", seq };
    }
    await tx
      .update(participations)
      .set({ status: "joined", updatedAt: now })
      .where(and(eq(participations.actionId, actionId), eq(participations.userId, next.userId)));
    await enqueue(tx, promotionNotice(action, next));
    return { status: "left", from: "joined", promotedUserId: next.userId, seq };
  });
}

/**
 * Undoes the user's leave named by `seq` (from leaveAction), under the action's row lock like every join and leave,
 * so it can never overbook: a seat comes back only while it is still free — the action has room and nobody is
 * waiting (else the leave gave it to the first on the waitlist, or a new join took it: "taken"). A user who left the
 * waitlist goes back to their former place (the row kept its queued_seq), or onto the list if a seat is free and
 * nobody waits. Pressed twice, the second press finds the row restored and answers the same, changing nothing.
 */
export async function undoLeave(
  db: Database,
  actionId: number,
  userId: number,
  seq: number,
  now = new Date(),
): Promise<UndoResult> {
  return db.transaction(async (tx) => {
    const action = await lockAction(tx, actionId);
    if (!action) return { status: "refused", reason: "not_found" };
    if (action.status === "cancelled") return { status: "refused", reason: "cancelled" };
    if (action.startsAt <= now) return { status: "refused", reason: "started" };
    const [row] = await tx
      .select({ status: participations.status, leftFrom: participations.leftFrom, seq: participations.queuedSeq })
      .from(participations)
      .where(and(eq(participations.actionId, actionId), eq(participations.userId, userId)));
    if (!row || row.seq !== seq) return { status: "refused", reason: "stale" };
    if (row.status === "joined") return { status: "restored", standing: { status: "joined" } };
    if (row.status === "waitlisted")
      return {
        status: "restored",
        standing: { status: "waitlisted", position: await waitlistPosition(tx, actionId, seq) },
      };
    if (!row.leftFrom) return { status: "refused", reason: "stale" };
    const [user] = await tx.select({ pausedAt: users.pausedAt }).from(users).where(eq(users.id, userId));
    if (!user) return { status: "refused", reason: "not_found" };
    if (user.pausedAt) return { status: "refused", reason: "paused" };

    const [waiting] = await tx
      .select({ userId: participations.userId })
      .from(participations)
      .where(and(eq(participations.actionId, actionId), eq(participations.status, "waitlisted")))
      .limit(1);
    const seatFree = (action.capacity === null || action.participantsCount < action.capacity) && !waiting;
    if (row.leftFrom === "joined" && !seatFree) return { status: "refused", reason: "taken" };
    const status = seatFree ? "joined" : "waitlisted";
    await tx
      .update(participations)
      .set({ status, leftFrom: null, updatedAt: now })
      .where(and(eq(participations.actionId, actionId), eq(participations.userId, userId)));
    if (status === "waitlisted")
      return { status: "restored", standing: { status, position: await waitlistPosition(tx, actionId, seq) } };
    await countSeat(tx, actionId, 1, now);
    return { status: "restored", standing: { status } };
  });
}

/**
 * The user's last leave of an action while it is not undone or followed by a re-join: where they were, its seq for
 * Undo, and whether Undo would give the place back now (a waitlist place always; a seat while it is still free).
 */
export async function lastLeave(
  db: Database,
  actionId: number,
  userId: number,
): Promise<{ from: "joined" | "waitlisted"; seq: number; undoable: boolean } | undefined> {
  const [row] = await db
    .select({ status: participations.status, leftFrom: participations.leftFrom, seq: participations.queuedSeq })
    .from(participations)
    .where(and(eq(participations.actionId, actionId), eq(participations.userId, userId)));
  if (row?.status !== "left" || !row.leftFrom) return undefined;
  if (row.leftFrom === "waitlisted") return { from: row.leftFrom, seq: row.seq, undoable: true };
  const [action] = await db
    .select({ capacity: actions.capacity, count: actions.participantsCount })
    .from(actions)
    .where(eq(actions.id, actionId));
  const waiting = await waitlistPosition(db, actionId, Number.MAX_SAFE_INTEGER);
  const free = !!action && (action.capacity === null || action.count < action.capacity) && waiting === 0;
  return { from: row.leftFrom, seq: row.seq, undoable: free };
}

/** A pin without an address: the settlement it is in or near, so a notice still says where. */
function nearestTown(
  point: { latitude: number; longitude: number; hasPin: boolean },
  locale: Locale,
): string | undefined {
  const near = point.hasPin ? kzPlaces().nearest(point) : undefined;
  return near && placeName(near.place, locale);
}

/** Published actions not started yet in which the person holds a seat (pausing does not give them up). */
export async function upcomingSeats(db: Executor, userId: number, now = new Date()): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(participations)
    .innerJoin(actions, eq(actions.id, participations.actionId))
    .where(
      and(
        eq(participations.userId, userId),
        eq(participations.status, "joined"),
        eq(actions.status, "published"),
        gt(actions.startsAt, now),
      ),
    );
  return Number(row?.n ?? 0);
}

/** The user's place in each of these actions where they hold one (a list marks what they already joined). */
export async function standingsIn(
  db: Executor,
  userId: number,
  actionIds: readonly number[],
): Promise<Map<number, "joined" | "waitlisted">> {
  if (actionIds.length === 0) return new Map();
  const rows = await db
    .select({ actionId: participations.actionId, status: participations.status })
    .from(participations)
    .where(
      and(
        eq(participations.userId, userId),
        inArray(participations.actionId, [...actionIds]),
        inArray(participations.status, ["joined", "waitlisted"]),
      ),
    );
  return new Map(rows.map((r) => [r.actionId, r.status as "joined" | "waitlisted"]));
}

/** Where the user stands in an action: joined, waitlisted (with position), or nowhere. */
export async function standingIn(db: Database, actionId: number, userId: number): Promise<Standing | undefined> {
  const [row] = await db
    .select({ status: participations.status, queuedSeq: participations.queuedSeq })
    .from(participations)
    .where(and(eq(participations.actionId, actionId), eq(participations.userId, userId)));
  if (row?.status === "joined") return { status: "joined" };
  if (row?.status === "waitlisted")
    return { status: "waitlisted", position: await waitlistPosition(db, actionId, row.queuedSeq) };
  return undefined;
}

const PAST_LIMIT = 20;

/**
 * The user's actions: upcoming (not yet ended; joined or waitlisted, soonest first) and past (joined, latest first,
 * the last few).
 */
export async function myActions(
  db: Database,
  userId: number,
  locale: Locale,
  now = new Date(),
): Promise<{ upcoming: MyAction[]; past: MyAction[] }> {
  const position = sql<number>`(
    select count(*) from participations w
    where w.action_id = ${participations.actionId} and w.status = 'waitlisted' and w.queued_seq <= ${participations.queuedSeq}
  )`.mapWith(Number);
  const columns = {
    id: actions.id,
    title: pickSql(actions.titleKk, actions.titleRu, locale),
    category: actions.category,
    startsAt: actions.startsAt,
    endsAt: actions.endsAt,
    actionStatus: actions.status,
    status: participations.status,
    position,
  };
  const base = () =>
    db.select(columns).from(participations).innerJoin(actions, eq(actions.id, participations.actionId));
  const [upcoming, past] = await Promise.all([
    base()
      .where(
        and(
          eq(participations.userId, userId),
          inArray(participations.status, ["joined", "waitlisted"]),
          gt(actions.endsAt, now),
        ),
      )
      .orderBy(asc(actions.startsAt), asc(actions.id)),
    base()
      .where(and(eq(participations.userId, userId), eq(participations.status, "joined"), lte(actions.endsAt, now)))
      .orderBy(desc(actions.startsAt), desc(actions.id))
      .limit(PAST_LIMIT),
  ]);
  const shape = (r: (typeof upcoming)[number]): MyAction => ({
    id: r.id,
    title: r.title,
    category: r.category,
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    actionStatus: r.actionStatus,
    status: r.status === "waitlisted" ? "waitlisted" : "joined",
    ...(r.status === "waitlisted" ? { position: r.position } : {}),
  });
  return { upcoming: upcoming.map(shape), past: past.map(shape) };
}

/** What the "I'm coming / I can't" buttons of an action reminder need to know. */
export interface ReminderAction {
  title: string;
  startsAt: Date;
  joined: boolean;
}

/** Undefined when the action is gone or no longer published (cancelled after the reminder went out). */
export async function reminderAction(
  db: Database,
  actionId: number,
  userId: number,
  locale: Locale,
): Promise<ReminderAction | undefined> {
  const [row] = await db
    .select({
      title: pickSql(actions.titleKk, actions.titleRu, locale),
      startsAt: actions.startsAt,
      actionStatus: actions.status,
      status: participations.status,
    })
    .from(actions)
    .leftJoin(participations, and(eq(participations.actionId, actions.id), eq(participations.userId, userId)))
    .where(eq(actions.id, actionId))
    .limit(1);
  if (row?.actionStatus !== "published") return undefined;
  return { title: row.title, startsAt: row.startsAt, joined: row.status === "joined" };
}
