import { and, eq, sql } from "drizzle-orm";
import { type Database, type Executor, rowsOf } from "../db/client";
import { enqueue, notifyEnqueued, type OutboxButton, type OutboxContent } from "../db/outbox";
import {
  type CalloutAnswer,
  calloutAnswers,
  callouts,
  type EmergencySkill,
  outbox,
  PRIORITY,
  users,
} from "../db/schema";
import { ALMATY_OFFSET_MS, DAY_MS, localMoment } from "../core/time";
import { type Staff, staffOf } from "./access";

export type Callout = typeof callouts.$inferSelect;

/** What a coordinator has put together in /callout, before the launch. */
export interface CalloutDraft {
  /** A region; or a circle around a point (radiusKm with center). */
  regionCode?: string;
  center?: { latitude: number; longitude: number };
  radiusKm?: number;
  /**
   * For a circle drawn by a regional coordinator: only volunteers of these regions (a coordinator never reaches
   * another region's volunteers). Admins leave it unset.
   */
  withinRegions?: string[];
  /** Needed skills; empty: anyone ready. */
  skills: EmergencySkill[];
  needed: number;
  meeting: { latitude: number; longitude: number };
  meetAt: Date;
  text: string;
}

export const MAX_CALLOUT_TEXT = 1500;
export const MAX_CALLOUT_PEOPLE = 10_000;
export const MAX_CALLOUT_RADIUS_KM = 500;
/** The tally message is edited at most this often (answers in between are shown together). */
export const TALLY_EDIT_MS = 3000;

export const calloutBatch = (id: number) => `co:${id}`;

/** Who may launch call-outs: national admins and regional coordinators. */
export const launchesCallouts = (staff: Staff) => staff.admin || staff.regions.length > 0;

/**
 * The draft as this user may launch it now, or undefined: a region they coordinate (admins: any), or a circle
 * limited to the regions they coordinate (admins: unlimited). Checked at the preview and again at the launch.
 */
export function allowedDraft<D extends CalloutDraft>(staff: Staff, draft: D): D | undefined {
  if (!launchesCallouts(staff)) return undefined;
  if (draft.regionCode !== undefined)
    return staff.admin || staff.regions.includes(draft.regionCode) ? draft : undefined;
  return staff.admin ? { ...draft, withinRegions: undefined } : { ...draft, withinRegions: [...staff.regions] };
}

/**
 * Whether this person manages the call-out (its tally and its buttons: send an update, close, the list): an admin, or
 * a coordinator of its region — its launcher too only while they still are one. A circle call-out (no region; a
 * coordinator's was limited to their regions): its launcher while they still coordinate a region, and admins.
 * Losing the right does not close the call-out: it stays open for the volunteers on their way, and an admin (or the
 * region's coordinator) closes it.
 */
export function managesCallout(staff: Staff, callout: Pick<Callout, "regionCode" | "createdBy">): boolean {
  if (staff.admin) return true;
  if (callout.regionCode !== null) return staff.regions.includes(callout.regionCode);
  return callout.createdBy === staff.userId && staff.regions.length > 0;
}

/** The call-out, when this user manages it (managesCallout). Undefined for anyone else and for ids that do not exist. */
export async function manageableCallout(db: Executor, staff: Staff, id: number): Promise<Callout | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) return undefined;
  if (!launchesCallouts(staff)) return undefined;
  const [row] = await db.select().from(callouts).where(eq(callouts.id, id));
  return row && managesCallout(staff, row) ? row : undefined;
}

/** The volunteers a draft reaches: consented, onboarded, not blocked, ready, with a needed skill, in the area. */
function matchingVolunteers(draft: CalloutDraft) {
  const skills = sql`${`{${draft.skills.join(",")}}`}::text[]`;
  const area =
    draft.radiusKm !== undefined && draft.center
      ? sql`u.latitude is not null and u.longitude is not null and earth_distance(ll_to_earth(u.latitude, u.longitude),
          ll_to_earth(${draft.center.latitude}::float8, ${draft.center.longitude}::float8)) <= ${draft.radiusKm * 1000}::float8
          and (${draft.withinRegions === undefined} or u.region_code = any(${`{${(draft.withinRegions ?? []).join(",")}}`}::text[]))`
      : sql`u.region_code = ${draft.regionCode ?? ""}`;
  return sql`from users u join emergency_profiles e on e.user_id = u.id
    where u.consent_at is not null and u.onboarded_at is not null and u.blocked_at is null and e.paused_at is null
      and (cardinality(${skills}) = 0 or e.skills && ${skills}) and ${area}`;
}

export async function countMatching(db: Executor, draft: CalloutDraft): Promise<number> {
  const [row] = rowsOf<{ n: number | string }>(
    await db.execute(sql`select count(*) as n ${matchingVolunteers(draft)}`),
  );
  return Number(row?.n ?? 0);
}

/** The buttons under a call-out message: I'm coming / I can't, and the meeting point on a map. */
export function calloutButtons(callout: Pick<Callout, "id" | "meetingLatitude" | "meetingLongitude">) {
  return [
    [
      { kind: "callout.coming", calloutId: callout.id },
      { kind: "callout.cant", calloutId: callout.id },
    ],
    [{ kind: "map", latitude: callout.meetingLatitude, longitude: callout.meetingLongitude }],
  ] satisfies OutboxButton[][];
}

/**
 * Launches a call-out in one transaction: the row, then one urgent outbox row per matching volunteer in a single
 * INSERT … SELECT (batch `co:<id>`, key `co:<id>:<user>`), in each volunteer's language. Urgent rows go before every
 * normal row and through quiet hours (src/delivery/dispatcher.ts); they expire at the meeting time.
 */
export async function launchCallout(
  db: Database,
  draft: CalloutDraft,
  createdBy: number,
  options: { now?: Date; launchKey?: string } = {},
): Promise<{ callout: Callout; invited: number }> {
  const now = options.now ?? new Date();
  const result = await db.transaction(async (tx) => {
    if (options.launchKey) {
      // A replayed launch (the conversation's step after a restart): the call-out is out already.
      const [done] = await tx.select().from(callouts).where(eq(callouts.launchKey, options.launchKey));
      if (done) {
        const [sent] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(outbox)
          .where(eq(outbox.batch, calloutBatch(done.id)));
        return { callout: done, invited: sent?.n ?? 0 };
      }
    }
    const [callout] = await tx
      .insert(callouts)
      .values({
        regionCode: draft.radiusKm !== undefined ? null : (draft.regionCode ?? null),
        centerLatitude: draft.center?.latitude ?? null,
        centerLongitude: draft.center?.longitude ?? null,
        radiusKm: draft.radiusKm ?? null,
        skills: draft.skills,
        needed: draft.needed,
        meetingLatitude: draft.meeting.latitude,
        meetingLongitude: draft.meeting.longitude,
        meetAt: draft.meetAt,
        text: draft.text,
        createdBy,
        launchKey: options.launchKey ?? null,
        createdAt: now,
      })
      .returning();
    const c = callout!;
    const base = {
      template: "callouts.message",
      params: { text: draft.text, meet: { $datetime: draft.meetAt.toISOString() }, needed: draft.needed },
      buttons: calloutButtons(c),
      expiresAt: draft.meetAt.toISOString(),
    };
    const batch = calloutBatch(c.id);
    const [inserted] = rowsOf<{ n: string | number }>(
      await tx.execute(sql`
        with added as (
          insert into outbox (chat_id, kind, payload, priority, not_before, idempotency_key, batch)
          select u.id, 'message',
                 ${JSON.stringify(base)}::jsonb || jsonb_build_object('locale', coalesce(u.language, 'kk')),
                 ${PRIORITY.urgent}, ${now.toISOString()}::timestamptz, ${`${batch}:`} || u.id, ${batch}
          ${matchingVolunteers(draft)}
          on conflict (idempotency_key) do nothing
          returning 1)
        select count(*) as n from added`),
    );
    const invited = Number(inserted?.n ?? 0);
    return { callout: c, invited };
  });
  notifyEnqueued();
  return result;
}

/** Where the coordinator's live tally message is (sent when the call-out is launched). */
export async function setTallyMessage(db: Executor, id: number, chatId: number, messageId: number): Promise<void> {
  await db.update(callouts).set({ tallyChatId: chatId, tallyMessageId: messageId }).where(eq(callouts.id, id));
}

export interface Tally {
  invited: number;
  coming: number;
  cant: number;
  /** Delivered (or on the way) and not answered yet. */
  waiting: number;
  /** The message could not be delivered (blocked, failed) and there is no answer. */
  notDelivered: number;
  /** Those coming, in the order they answered: name and the phone they shared. */
  comingPeople: Array<{ userId: number; name: string; phone: string | null }>;
}

const displayName = sql<string>`coalesce(nullif(trim(concat_ws(' ', ${users.firstName}, ${users.lastName})), ''),
  '@' || ${users.username}, ${users.id}::text)`;

/** The tally, derived from the answers and the batch's outbox rows (never a counter that could drift). */
export async function calloutTally(db: Executor, id: number): Promise<Tally> {
  const batch = calloutBatch(id);
  const [counts] = rowsOf<{
    invited: string | number;
    dead: string | number;
    coming: string | number;
    cant: string | number;
  }>(
    await db.execute(sql`
      select
        (select count(*) from outbox where batch = ${batch}) as invited,
        (select count(*) from outbox o where o.batch = ${batch} and o.state = 'dead'
          and not exists (select 1 from callout_answers a where a.callout_id = ${id} and a.user_id = o.chat_id)) as dead,
        (select count(*) from callout_answers where callout_id = ${id} and answer = 'coming') as coming,
        (select count(*) from callout_answers where callout_id = ${id} and answer = 'cant') as cant`),
  );
  const people = await db
    .select({ userId: calloutAnswers.userId, name: displayName, phone: sql<string | null>`e.phone` })
    .from(calloutAnswers)
    .innerJoin(users, eq(users.id, calloutAnswers.userId))
    .leftJoin(sql`emergency_profiles e`, sql`e.user_id = ${calloutAnswers.userId}`)
    .where(and(eq(calloutAnswers.calloutId, id), eq(calloutAnswers.answer, "coming")))
    .orderBy(calloutAnswers.answeredAt, calloutAnswers.userId);
  const invited = Number(counts?.invited ?? 0);
  const coming = Number(counts?.coming ?? 0);
  const cant = Number(counts?.cant ?? 0);
  const notDelivered = Number(counts?.dead ?? 0);
  return {
    invited,
    coming,
    cant,
    notDelivered,
    waiting: Math.max(0, invited - coming - cant - notDelivered),
    comingPeople: people,
  };
}

/** The tally message's template and parameters (the bot shows the same on a refresh). */
export function tallyContent(callout: Callout, tally: Tally) {
  const list = tally.comingPeople.map((p, i) => `${i + 1}. ${p.name}${p.phone ? `, ${p.phone}` : ""}`).join("\n");
  return {
    template: "callouts.tally",
    params: {
      id: callout.id,
      text: callout.text,
      status: { $t: callout.status === "open" ? "callouts.status_open" : "callouts.status_closed" },
      meet: { $datetime: callout.meetAt.toISOString() },
      needed: callout.needed,
      coming: tally.coming,
      cant: tally.cant,
      waiting: tally.waiting,
      notDelivered: tally.notDelivered,
      list: list || "—",
    },
    buttons:
      callout.status === "open"
        ? ([
            [
              { kind: "callout.update", calloutId: callout.id },
              { kind: "callout.close", calloutId: callout.id },
            ],
            [{ kind: "callout.refresh", calloutId: callout.id }],
          ] satisfies OutboxButton[][])
        : ([[{ kind: "callout.refresh", calloutId: callout.id }]] satisfies OutboxButton[][]),
  };
}

/**
 * Edits the coordinator's tally message through the outbox, at most once per TALLY_EDIT_MS: the edit of the current
 * window (key `cot:<id>:<window>`, due at the window's end) is replaced by a newer tally while it still waits, so a
 * burst of answers makes one edit with the latest figures. If that window's edit is already on its way, the next
 * window gets one.
 */
/**
 * After a volunteer withdraws consent or deletes the account: the tallies of open call-outs they answered are
 * redrawn without what they no longer allow (their answer when `removeAnswers`, else their erased name and phone),
 * and the tally texts already delivered or given up on are dropped from the outbox.
 */
export async function redrawTalliesWithout(
  tx: Executor,
  userId: number,
  { removeAnswers, adminIds }: { removeAnswers: boolean; adminIds: ReadonlySet<number> },
  now = new Date(),
): Promise<void> {
  const answered = await tx
    .select({ id: calloutAnswers.calloutId })
    .from(calloutAnswers)
    .where(eq(calloutAnswers.userId, userId));
  if (removeAnswers) await tx.delete(calloutAnswers).where(eq(calloutAnswers.userId, userId));
  for (const { id } of answered) {
    await tx.execute(sql`delete from outbox where idempotency_key like ${`cot:${id}:%`} and state in ('sent', 'dead')`);
    await scheduleTallyEdit(tx, id, adminIds, now);
  }
}

export async function scheduleTallyEdit(
  db: Executor,
  id: number,
  adminIds: ReadonlySet<number>,
  now = new Date(),
): Promise<void> {
  const [callout] = await db.select().from(callouts).where(eq(callouts.id, id));
  if (!callout?.tallyChatId || !callout.tallyMessageId) return;
  const [owner] = await db.select({ language: users.language }).from(users).where(eq(users.id, callout.tallyChatId));
  const locale = owner?.language === "ru" ? "ru" : "kk";
  // The tally's owner (its launcher) lost the right (their region was taken away, or they are no admin any more):
  // the figures and the buttons stop; the tally is replaced once by a line saying so (which also drops the names).
  if (!managesCallout(await staffOf(db, callout.tallyChatId, adminIds), callout)) {
    await db.execute(
      sql`delete from outbox where idempotency_key like ${`cot:${id}:%`} and state = 'pending'
        and idempotency_key not like ${`cot:${id}:left:%`}`,
    );
    // Once per loss of the right: not again while the line is what the tally shows (the newest tally row), but again
    // after a re-appointment brought the figures back and a second removal took them away.
    const [latest] = rowsOf<{ key: string }>(
      await db.execute(sql`select idempotency_key as key from outbox
        where idempotency_key like ${`cot:${id}:%`} order by id desc limit 1`),
    );
    if (latest?.key.startsWith(`cot:${id}:left:`)) return;
    await enqueue(db, {
      chatId: callout.tallyChatId,
      idempotencyKey: `cot:${id}:left:${now.getTime()}`,
      priority: "urgent",
      content: { template: "callouts.tally_left", params: { id }, locale, edit: { messageId: callout.tallyMessageId } },
    });
    return;
  }
  const tally = await calloutTally(db, id);
  const content: OutboxContent = {
    ...tallyContent(callout, tally),
    locale,
    edit: { messageId: callout.tallyMessageId },
  };
  let window = Math.floor(now.getTime() / TALLY_EDIT_MS) + 1;
  for (let attempt = 0; attempt < 3; attempt++, window++) {
    const rows = await db
      .insert(outbox)
      .values({
        chatId: callout.tallyChatId,
        kind: "edit",
        payload: content,
        priority: PRIORITY.urgent,
        notBefore: new Date(window * TALLY_EDIT_MS),
        idempotencyKey: `cot:${id}:${window}`,
      })
      .onConflictDoUpdate({
        target: outbox.idempotencyKey,
        set: { payload: content, updatedAt: now },
        setWhere: sql`${outbox.state} = 'pending'`,
      })
      .returning({ id: outbox.id });
    if (rows.length > 0) break;
  }
  notifyEnqueued();
}

export type AnswerResult =
  | { status: "recorded" | "unchanged"; callout: Callout; answer: CalloutAnswer }
  /** Closed: enough people are on their way ("coming" is told it is covered). */
  | { status: "closed"; callout: Callout }
  /** No such call-out, or it was not sent to this person (a forged or foreign button). */
  | { status: "unknown" };

/**
 * Records a volunteer's answer exactly once: one INSERT … ON CONFLICT that changes the row only when the answer
 * changes, so a double press or two bot instances handling presses at once count once. The tally is derived from
 * the rows.
 */
export async function answerCallout(
  db: Database,
  id: number,
  userId: number,
  answer: CalloutAnswer,
  adminIds: ReadonlySet<number>,
  now = new Date(),
): Promise<AnswerResult> {
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) return { status: "unknown" };
  return db.transaction(async (tx) => {
    // A share lock waits for a close in progress (it updates the row), so an answer is either counted before the
    // close (and gets the final plan) or told the call-out is covered — never saved and then forgotten.
    const [callout] = await tx.select().from(callouts).where(eq(callouts.id, id)).for("share");
    if (!callout) return { status: "unknown" } as const;
    const [invited] = await tx
      .select({ id: outbox.id })
      .from(outbox)
      .where(eq(outbox.idempotencyKey, `${calloutBatch(id)}:${userId}`));
    if (!invited) return { status: "unknown" } as const;
    if (callout.status !== "open") return { status: "closed", callout } as const;
    const changed = await tx
      .insert(calloutAnswers)
      .values({ calloutId: id, userId, answer, answeredAt: now })
      .onConflictDoUpdate({
        target: [calloutAnswers.calloutId, calloutAnswers.userId],
        set: { answer, answeredAt: now },
        setWhere: sql`${calloutAnswers.answer} <> excluded.answer`,
      })
      .returning({ userId: calloutAnswers.userId });
    if (changed.length === 0) return { status: "unchanged", callout, answer } as const;
    await scheduleTallyEdit(tx, id, adminIds, now);
    return { status: "recorded", callout, answer } as const;
  });
}

/**
 * An urgent message to everyone who answered "I'm coming" (in their languages, with the meeting point): keys
 * `<prefix>:<user>` and batch `<batch>`. Returns how many it goes to.
 */
async function tellComing(
  tx: Executor,
  callout: Callout,
  message: { template: string; params: Record<string, unknown>; prefix: string; batch: string },
): Promise<number> {
  const rows = await tx
    .select({ userId: calloutAnswers.userId, language: users.language })
    .from(calloutAnswers)
    .innerJoin(users, eq(users.id, calloutAnswers.userId))
    .where(and(eq(calloutAnswers.calloutId, callout.id), eq(calloutAnswers.answer, "coming")));
  await enqueue(
    tx,
    rows.map(({ userId, language }) => ({
      chatId: userId,
      idempotencyKey: `${message.prefix}:${userId}`,
      priority: "urgent" as const,
      batch: message.batch,
      content: {
        template: message.template,
        params: message.params,
        locale: language === "ru" ? ("ru" as const) : ("kk" as const),
        buttons: [[{ kind: "map" as const, latitude: callout.meetingLatitude, longitude: callout.meetingLongitude }]],
      },
    })),
  );
  return rows.length;
}

/**
 * An update from the coordinator to everyone coming (urgent); `key` (the conversation step's id) makes a replay
 * enqueue it once. Returns how many it goes to; undefined when the call-out is closed.
 */
export async function sendCalloutUpdate(
  db: Database,
  id: number,
  text: string,
  key: string,
): Promise<number | undefined> {
  return db.transaction(async (tx) => {
    const [callout] = await tx.select().from(callouts).where(eq(callouts.id, id)).for("update");
    if (callout?.status !== "open") return undefined;
    return tellComing(tx, callout, {
      template: "callouts.update_message",
      params: { id, text },
      prefix: `cou:${id}:${key}`,
      batch: `cou:${id}`,
    });
  });
}

/**
 * Closes an open call-out: those coming get the final plan (urgent), the tally shows it closed, later presses of
 * "I'm coming" are told it is covered. Undefined when it was closed already (a second press or instance).
 */
export async function closeCallout(
  db: Database,
  id: number,
  finalText: string,
  adminIds: ReadonlySet<number>,
  now = new Date(),
): Promise<{ told: number } | undefined> {
  return db.transaction(async (tx) => {
    const [closed] = await tx
      .update(callouts)
      .set({ status: "closed", closedAt: now, finalText })
      .where(and(eq(callouts.id, id), eq(callouts.status, "open")))
      .returning();
    if (!closed) return undefined;
    const told = await tellComing(tx, closed, {
      template: "callouts.final_message",
      params: { id, text: finalText, meet: { $datetime: closed.meetAt.toISOString() } },
      prefix: `cof:${id}`,
      batch: `cof:${id}`,
    });
    await scheduleTallyEdit(tx, id, adminIds, now);
    return { told };
  });
}

export async function findCallout(db: Executor, id: number): Promise<Callout | undefined> {
  const [row] = await db.select().from(callouts).where(eq(callouts.id, id));
  return row;
}

/** The volunteer's answers (for /mydata). */
export async function answersOf(db: Executor, userId: number) {
  return db
    .select({ calloutId: calloutAnswers.calloutId, answer: calloutAnswers.answer, at: calloutAnswers.answeredAt })
    .from(calloutAnswers)
    .where(eq(calloutAnswers.userId, userId));
}

/**
 * A meeting time typed by the coordinator: "18:30" (today, or tomorrow once 18:30 has passed), "ертең 09:00" /
 * "завтра 09:00", "бүгін 18:30" / "сегодня 18:30" (Asia/Almaty). Undefined when it is not one or already past.
 */
export function parseMeetTime(raw: string, now: Date): Date | undefined {
  const match = /^\s*(?:(ертең|ертен|завтра|бүгін|бугин|сегодня)\s+)?(\d{1,2})[:.](\d{2})\s*$/iu.exec(raw);
  if (!match) return undefined;
  const hour = Number(match[2]);
  const minute = Number(match[3]);
  if (hour > 23 || minute > 59) return undefined;
  const word = match[1]?.toLowerCase();
  const local = new Date(now.getTime() + ALMATY_OFFSET_MS);
  let at = localMoment(local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate(), hour * 60 + minute);
  const tomorrow = word === "ертең" || word === "ертен" || word === "завтра";
  const today = word !== undefined && !tomorrow;
  if (tomorrow || (!today && at.getTime() <= now.getTime())) at = new Date(at.getTime() + DAY_MS);
  return at.getTime() > now.getTime() ? at : undefined;
}
