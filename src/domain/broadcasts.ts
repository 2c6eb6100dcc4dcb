import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import { type Executor, rowsOf } from "../db/client";
import { enqueue, notifyEnqueued, type OutboxButton } from "../db/outbox";
import { actions, broadcasts, linkedChats, organizationMutes, organizations, regions, users } from "../db/schema";
import type { Locale } from "../i18n";
import { actsFor, coordinates, type Staff } from "./access";
import { isCategory } from "./categories";
import { pick, pickSql } from "./localized";

/** Characters of a broadcast's text (what the organizer types; Telegram's limit is 4096 after escaping). */
export const MAX_BROADCAST_TEXT = 3500;
/** Telegram's limit for a photo's caption. */
export const MAX_BROADCAST_CAPTION = 1024;
export const RECENT_MONTHS = [1, 3, 6, 12] as const;
export type RecentMonths = (typeof RECENT_MONTHS)[number];

/**
 * Who a broadcast goes to (stored in broadcasts.audience). `region` is a front office's announcement (no
 * organization): the region's volunteers, of the chosen interests (empty: all of them).
 */
export type Audience =
  | { kind: "action"; actionId: number; withWaitlist: boolean }
  | { kind: "recent"; months: RecentMonths }
  | { kind: "channels" }
  | { kind: "region"; regionCode: string; interests: string[] };

/** What an organizer picks in /broadcast. */
export type OrganizationAudience = Exclude<Audience, { kind: "region" }>;

/** The locale template every broadcast is sent with: the organizer's text, escaped ("{{text}}"). */
export const BROADCAST_TEMPLATE = "broadcasts.message";
/** A front office's announcement: the region's name above the text. */
export const ANNOUNCEMENT_TEMPLATE = "front_office.announcement";
/** The outbox batch of a broadcast's messages, and of its progress edits. */
export const broadcastBatch = (id: number) => `bc:${id}`;
const progressBatch = (id: number) => `bcp:${id}`;

export interface OrganizationChoice {
  id: number;
  name: string;
}

/** The approved organizations this staff member acts for, with their names in the reader's language. */
export async function organizationsOf(db: Executor, staff: Staff, locale: Locale): Promise<OrganizationChoice[]> {
  const ids = staff.organizations.map((o) => o.id);
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: organizations.id, nameKk: organizations.nameKk, nameRu: organizations.nameRu })
    .from(organizations)
    .where(inArray(organizations.id, ids))
    .orderBy(organizations.id);
  return rows.map((r) => ({ id: r.id, name: pick(r.nameKk, r.nameRu, locale) }));
}

export async function organizationName(db: Executor, id: number, locale: Locale): Promise<string | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) return undefined;
  const [row] = await db
    .select({ name: pickSql(organizations.nameKk, organizations.nameRu, locale) })
    .from(organizations)
    .where(eq(organizations.id, id));
  return row?.name;
}

export interface BroadcastActionChoice {
  id: number;
  title: string;
  startsAt: Date;
  joined: number;
}

/** The organization's actions worth writing to: upcoming ones and those of the last 30 days, nearest first. */
export async function broadcastableActions(
  db: Executor,
  organizationId: number,
  locale: Locale,
  now: Date,
  limit = 8,
): Promise<BroadcastActionChoice[]> {
  return db
    .select({
      id: actions.id,
      title: pickSql(actions.titleKk, actions.titleRu, locale),
      startsAt: actions.startsAt,
      joined: actions.participantsCount,
    })
    .from(actions)
    .where(
      and(
        eq(actions.organizationId, organizationId),
        eq(actions.status, "published"),
        sql`${actions.startsAt} >= ${new Date(now.getTime() - 30 * 86_400_000).toISOString()}::timestamptz`,
      ),
    )
    .orderBy(sql`abs(extract(epoch from ${actions.startsAt} - ${now.toISOString()}::timestamptz))`)
    .limit(limit);
}

/**
 * The recipients of an audience, one row per chat: (chat_id, locale, name of the organization in that locale, and
 * whether the chat is a person — people get the mute button). People only with consent, not blocked, not muting
 * the organization; each person once. Channels: the organization's linked chats.
 */
function recipients(organizationId: number | null, audience: Audience, senderLocale: Locale, now: Date) {
  if (audience.kind === "region") {
    const interests = audience.interests.filter(isCategory);
    return sql`
      select u.id as chat_id, coalesce(u.language, 'kk') as locale, true as person
      from ${users} u
      where u.region_code = ${audience.regionCode} and u.consent_at is not null and u.onboarded_at is not null
        and u.blocked_at is null
        -- No interests chosen means every category (as for alerts).
        and (${interests.length === 0} or cardinality(u.interests) = 0
          or u.interests && ${`{${interests.join(",")}}`}::text[])`;
  }
  if (organizationId === null) throw new Error("a broadcast without an organization goes to a region");
  if (audience.kind === "channels") {
    // Channels have no language of their own: the organizer's.
    return sql`
      select lc.chat_id, ${senderLocale}::text as locale, false as person
      from ${linkedChats} lc where lc.organization_id = ${organizationId}`;
  }
  // A semi-join (each person once however many actions they joined) instead of a distinct over participations.
  const joined =
    audience.kind === "action"
      ? sql`p.action_id = ${audience.actionId} and a.organization_id = ${organizationId}
          and p.status in ('joined', ${audience.withWaitlist ? "waitlisted" : "joined"})`
      : sql`a.organization_id = ${organizationId} and p.status = 'joined'
          and p.created_at >= ${now.toISOString()}::timestamptz - ${`${audience.months} months`}::interval`;
  return sql`
    select u.id as chat_id, coalesce(u.language, 'kk') as locale, true as person
    from ${users} u
    where u.consent_at is not null and u.blocked_at is null
      and exists (select 1 from participations p join actions a on a.id = p.action_id where p.user_id = u.id and ${joined})
      and not exists (select 1 from ${organizationMutes} m where m.user_id = u.id and m.organization_id = ${organizationId})`;
}

/** How many chats a broadcast to this audience would reach now. */
export async function audienceSize(db: Executor, organizationId: number | null, audience: Audience, now: Date) {
  const [row] = rowsOf<{ n: number | string }>(
    await db.execute(sql`select count(*) as n from (${recipients(organizationId, audience, "kk", now)}) r`),
  );
  return Number(row?.n ?? 0);
}

export interface NewBroadcast {
  /** Null: a front office's announcement (audience `region`). */
  organizationId: number | null;
  createdBy: number;
  audience: Audience;
  /** As typed (cleaned): escaped when rendered. */
  text: string;
  photoFileId?: string;
  /** The organizer's progress message (sent before), also what makes a replayed confirm find its broadcast. */
  progressChatId: number;
  progressMessageId: number;
  /**
   * Made by the conversation before its last wait (so kept in its state): a confirm replayed after a crash sends a new
   * progress message, and finds the broadcast made the first time by this key (stored in the audience JSON).
   */
  key?: string;
  /** The organizer's: what channels get (they have no language of their own). */
  locale: Locale;
}

const muteButton = (organizationId: number, name: SQL) =>
  sql`jsonb_build_array(jsonb_build_array(jsonb_build_object(
    'kind', ${"org.mute" satisfies OutboxButton["kind"]}::text, 'organizationId', ${organizationId}::int, 'name', ${name})))`;

/**
 * Creates the broadcast and every recipient's outbox row in one INSERT … SELECT (normal priority, batch `bc:<id>`,
 * the mute button under each message to a person from an organization). A replay with the same progress message finds
 * the broadcast made the first time. Returns its id and how many messages were enqueued.
 */
export async function createBroadcast(
  db: Executor,
  input: NewBroadcast,
  now: Date,
): Promise<{ id: number; total: number }> {
  const made = await insertBroadcast(db, input, now);
  notifyEnqueued();
  return made;
}

/** createBroadcast without waking the dispatcher: for a caller's transaction (it notifies after the commit). */
export async function insertBroadcast(
  db: Executor,
  input: NewBroadcast,
  now: Date,
): Promise<{ id: number; total: number }> {
  const [row] = rowsOf<{ id: number; total: number | string }>(await db.execute(createBroadcastSql(input, now)));
  return { id: Number(row!.id), total: Number(row!.total) };
}

/**
 * createBroadcast's one statement (exported for the benchmark's EXPLAIN). The payloads are built once per language,
 * not once per row (two init plans, no join), and the keys `bc:<new id>:<chat>` cannot clash (each chat once), so the
 * insert needs no conflict check.
 */
export function createBroadcastSql(input: NewBroadcast, now: Date): SQL {
  const { organizationId: org, audience } = input;
  /** The organization's names, or the region's for an announcement: shown in each reader's language. */
  const named =
    audience.kind === "region"
      ? sql`(select name_kk, name_ru from ${regions} where code = ${audience.regionCode})`
      : sql`(select name_kk, name_ru from ${organizations} where id = ${org})`;
  const name = sql`case when k.locale = 'ru' then coalesce(nullif(o.name_ru, ''), o.name_kk)
    else coalesce(nullif(o.name_kk, ''), o.name_ru) end`;
  /** People get the organization's mute button; channels do not; an announcement names its region instead. */
  const extra =
    audience.kind === "region"
      ? sql`jsonb_build_object('params', jsonb_build_object('region', ${name}))`
      : audience.kind !== "channels" && org !== null
        ? sql`jsonb_build_object('buttons', ${muteButton(org, name)})`
        : sql`'{}'::jsonb`;
  const template = audience.kind === "region" ? ANNOUNCEMENT_TEMPLATE : BROADCAST_TEMPLATE;
  return sql`
      with existing as (
        select id, total from ${broadcasts}
        where (progress_chat_id = ${input.progressChatId} and progress_message_id = ${input.progressMessageId})
          or (${input.key ?? null}::text is not null and audience->>'key' = ${input.key ?? null}::text
            and created_by = ${input.createdBy}::bigint)
        limit 1),
      r as materialized (${recipients(org, input.audience, input.locale, now)}),
      b as (
        insert into ${broadcasts} (organization_id, created_by, audience, text, photo_file_id, status, total,
          progress_chat_id, progress_message_id, created_at)
        select ${org}::int, ${input.createdBy}::bigint, ${JSON.stringify(input.key ? { ...audience, key: input.key } : audience)}::jsonb, ${input.text}::text,
          ${input.photoFileId ?? null}::text, 'sending', (select count(*) from r), ${input.progressChatId}::bigint,
          ${input.progressMessageId}::int, ${now.toISOString()}::timestamptz
        where not exists (select 1 from existing)
        returning id, total),
      payloads as (
        select k.locale,
          jsonb_build_object('template', ${template}::text, 'broadcast', b.id, 'locale', k.locale) || ${extra} as payload
        from (values ('kk'), ('ru')) k(locale) cross join b cross join ${named} o),
      sent as (
        insert into outbox (chat_id, kind, payload, priority, not_before, idempotency_key, batch)
        select r.chat_id, 'broadcast',
          case when r.locale = 'ru' then (select payload from payloads where locale = 'ru')
            else (select payload from payloads where locale = 'kk') end,
          1, ${now.toISOString()}::timestamptz, 'bc:' || b.id || ':' || r.chat_id, 'bc:' || b.id
        from r cross join b)
      select id, total from b union all select id, total from existing`;
}

export interface BroadcastCounts {
  total: number;
  sent: number;
  /** Waiting or being sent. */
  pending: number;
  /** The recipient blocked the bot (or left the chat). */
  blocked: number;
  failed: number;
  /** Not sent because the organizer stopped the broadcast. */
  stopped: number;
}

const STOPPED = "stopped";

const countsSql = sql`
  count(*) filter (where o.state = 'sent')::int as sent,
  count(*) filter (where o.state in ('pending', 'sending'))::int as pending,
  count(*) filter (where o.state = 'dead' and (o.last_error like '403%' or o.last_error = 'recipient has blocked the bot'))::int as blocked,
  count(*) filter (where o.state = 'dead' and o.last_error = ${STOPPED})::int as stopped,
  count(*) filter (where o.state = 'dead' and o.last_error is distinct from ${STOPPED}
    and not (o.last_error like '403%' or o.last_error = 'recipient has blocked the bot'))::int as failed`;

export interface BroadcastState {
  id: number;
  organizationId: number | null;
  status: "sending" | "stopped" | "done";
  progressChatId: number | null;
  progressMessageId: number | null;
  createdBy: number | null;
  counts: BroadcastCounts;
}

interface StateRow {
  id: number;
  organization_id: number | null;
  status: BroadcastState["status"];
  progress_chat_id: number | string | null;
  progress_message_id: number | null;
  created_by: number | string | null;
  locale: string | null;
  total: number;
  sent: number;
  pending: number;
  blocked: number;
  stopped: number;
  failed: number;
  finished_at: string | Date | null;
  editing: boolean;
}

function stateOf(r: StateRow): BroadcastState {
  return {
    id: Number(r.id),
    organizationId: r.organization_id === null ? null : Number(r.organization_id),
    status: r.status,
    progressChatId: r.progress_chat_id === null ? null : Number(r.progress_chat_id),
    progressMessageId: r.progress_message_id === null ? null : Number(r.progress_message_id),
    createdBy: r.created_by === null ? null : Number(r.created_by),
    counts: {
      total: Number(r.total),
      sent: Number(r.sent),
      pending: Number(r.pending),
      blocked: Number(r.blocked),
      failed: Number(r.failed),
      stopped: Number(r.stopped),
    },
  };
}

async function states(db: Executor, where: SQL): Promise<Array<StateRow>> {
  return rowsOf<StateRow>(
    await db.execute(sql`
      select b.id, b.organization_id, b.status, b.progress_chat_id, b.progress_message_id, b.created_by, b.total,
        b.finished_at, u.language as locale, ${countsSql},
        exists (select 1 from outbox e where e.batch = 'bcp:' || b.id and e.state in ('pending', 'sending')) as editing
      from ${broadcasts} b
      left join outbox o on o.batch = 'bc:' || b.id
      left join ${users} u on u.id = b.created_by
      where ${where}
      group by b.id, u.language`),
  );
}

export async function broadcastState(db: Executor, id: number): Promise<BroadcastState | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) return undefined;
  const [row] = await states(db, sql`b.id = ${id}`);
  return row && stateOf(row);
}

/** What the progress message shows: counts, and whether it is the final report. */
export function progressParams(state: BroadcastState, final: boolean) {
  const c = state.counts;
  return {
    template: final
      ? state.status === "stopped"
        ? "broadcasts.report_stopped"
        : "broadcasts.report_done"
      : state.status === "stopped"
        ? "broadcasts.progress_stopping"
        : "broadcasts.progress",
    params: {
      total: c.total,
      sent: c.sent,
      pending: c.pending,
      blocked: c.blocked,
      failed: c.failed,
      stopped: c.stopped,
    },
  } as const;
}

export type StopOutcome =
  | { ok: true; state: BroadcastState }
  | { ok: false; reason: "not_found" | "finished" }
  /** `announcement`: a front office's (the refusal names who may stop it). */
  | { ok: false; reason: "forbidden"; announcement: boolean };

/** Who may stop a broadcast: a member of its organization; an announcement, a coordinator of its region or an admin. */
function mayStop(staff: Staff, row: { organizationId: number | null; audience: unknown }): boolean {
  if (row.organizationId !== null) return actsFor(staff, row.organizationId);
  const audience = row.audience as Partial<Extract<Audience, { kind: "region" }>>;
  return (
    audience.kind === "region" && typeof audience.regionCode === "string" && coordinates(staff, audience.regionCode)
  );
}

/**
 * Stops a broadcast: its waiting messages are not sent (dead, "stopped"; rows being sent right now finish). Only a
 * member of the broadcast's organization may (an announcement: a coordinator of its region or an admin); the final
 * report follows once nothing is in flight (the progress job).
 */
export async function stopBroadcast(db: Executor, staff: Staff, id: number, now: Date): Promise<StopOutcome> {
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) return { ok: false, reason: "not_found" };
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(broadcasts).where(eq(broadcasts.id, id)).for("update");
    if (!row) return { ok: false, reason: "not_found" };
    if (!mayStop(staff, row)) return { ok: false, reason: "forbidden", announcement: row.organizationId === null };
    if (row.status !== "sending") return { ok: false, reason: "finished" };
    await tx.execute(sql`
      update outbox set state = 'dead', last_error = ${STOPPED}, locked_until = null,
        updated_at = ${now.toISOString()}::timestamptz
      where batch in (${broadcastBatch(id)}, ${progressBatch(id)}) and state = 'pending'`);
    await tx.update(broadcasts).set({ status: "stopped" }).where(eq(broadcasts.id, id));
    const state = await broadcastState(tx, id);
    return { ok: true, state: state! };
  });
}

export type MuteOutcome = { ok: true; name: string } | { ok: false };

/** The person stops getting broadcasts from the organization (the button under them only ever affects the presser). */
export async function muteOrganization(
  db: Executor,
  userId: number,
  organizationId: number,
  locale: Locale,
): Promise<MuteOutcome> {
  const name = await organizationName(db, organizationId, locale);
  if (name === undefined) return { ok: false };
  await db.insert(organizationMutes).values({ userId, organizationId }).onConflictDoNothing();
  return { ok: true, name };
}

/**
 * The progress job (every few seconds): for each unfinished broadcast, an edit of the organizer's progress message
 * when its counts changed and no earlier edit is still waiting (keyed by the counts, so the same text is never sent
 * twice, and Telegram's edit limits are kept by the job's period); when nothing is waiting or in flight, the final
 * report and the broadcast is finished. Edits are urgent: they never queue behind the broadcast itself.
 */
export async function broadcastProgress(db: Executor, now: Date): Promise<number> {
  const rows = await states(db, sql`b.finished_at is null`);
  let added = 0;
  for (const row of rows) {
    const state = stateOf(row);
    const locale: Locale = row.locale === "ru" ? "ru" : "kk";
    const final = state.counts.pending === 0;
    if (final) {
      await db
        .update(broadcasts)
        .set({ status: state.status === "sending" ? "done" : state.status, finishedAt: now })
        .where(eq(broadcasts.id, state.id));
      if (state.status === "sending") state.status = "done";
    } else if (row.editing || state.status !== "sending") continue;
    // Nothing has happened since the organizer's progress message was first shown: it shows this already.
    else if (state.counts.sent + state.counts.blocked + state.counts.failed === 0) continue;
    if (state.progressChatId === null || state.progressMessageId === null) continue;
    const { template, params } = progressParams(state, final);
    const c = state.counts;
    added += await enqueue(db, {
      chatId: state.progressChatId,
      idempotencyKey: final ? `bcf:${state.id}` : `bcp:${state.id}:${c.sent}:${c.pending}:${c.blocked}:${c.failed}`,
      priority: "urgent",
      batch: progressBatch(state.id),
      content: {
        template,
        params,
        locale,
        edit: { messageId: state.progressMessageId },
        buttons: final ? undefined : [[{ kind: "broadcast.stop", broadcastId: state.id }]],
      },
    });
  }
  return added;
}
