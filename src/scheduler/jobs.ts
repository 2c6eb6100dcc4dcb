import { sql } from "drizzle-orm";
import type { Executor } from "../db/client";
import { type OutboxButton, purgeChatLimitsSlice, purgeOutboxSlice } from "../db/outbox";
import { rowsOf } from "../db/client";
import { TIME_ZONE } from "../core/time";
import { CLUB_MORNING_PREFIX, CLUB_REMINDER_PREFIX } from "../domain/clubs";
import { countedDeeds, marathonScores } from "../domain/marathons";

/**
 * Each job turns what is due at `now` into outbox rows with one set-based INSERT … SELECT and returns how many rows
 * were new. Idempotency keys make a doubled or late run harmless, and the due windows make a run after downtime
 * catch up on what was missed.
 */
export type JobRun = (db: Executor, now: Date) => Promise<number>;

const ts = (date: Date) => sql`${date.toISOString()}::timestamptz`;
/** An outbox button's kind as an SQL text value, checked against OutboxButton by tsc. */
const buttonKind = (kind: OutboxButton["kind"]) => sql`${kind}::text`;

async function insertedCount(db: Executor, query: ReturnType<typeof sql>): Promise<number> {
  const rows = rowsOf<{ n: number | string }>(
    await db.execute(sql`with inserted as (${query} returning 1) select count(*) as n from inserted`),
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Reminders 24 h and 2 h before a joined action. The 24 h one is due from 24 h until 2 h before the start, the 2 h
 * one from 2 h until the start; neither goes to someone who joined after that moment (they know), to users who
 * turned it off, paused their availability or blocked the bot. A reminder expires when the action starts, so quiet
 * hours never make it arrive late.
 *
 * Quiet hours must not swallow the 2 h reminder either (for an action at 08:00 it would be deferred to 08:00 and
 * expire): when 2 h before the start falls in the user's quiet hours, it is due 10 minutes before those quiet hours
 * began (the evening before, with the default 22:00–08:00). If that is no later than the 24 h reminder was due, the
 * 24 h one stands for both and no 2 h reminder is sent.
 */
export const actionReminders: JobRun = async (db, now) => {
  let added = 0;
  for (const [kind, due, until, enabled, extra] of [
    ["24", sql`a.starts_at - interval '24 hours'`, "2 hours", sql`u.reminder_24h`, sql`true`],
    ["2", twoHourReminderDue, "0 hours", sql`u.reminder_2h`, sql`d.due > a.starts_at - interval '24 hours'`],
  ] as const) {
    added += await insertedCount(
      db,
      sql`
      insert into outbox (chat_id, kind, payload, priority, not_before, idempotency_key)
      select p.user_id, 'message',
        jsonb_build_object(
          'template', ${`reminders.action_${kind}h`}::text,
          'locale', coalesce(u.language, 'kk'),
          'params', jsonb_build_object(
            'title', left(case when u.language = 'ru' then coalesce(a.title_ru, a.title_kk)
              else coalesce(a.title_kk, a.title_ru) end, 300),
            'when', jsonb_build_object('$datetime', a.starts_at),
            'address', coalesce(nullif(left(case when u.language = 'ru' then coalesce(a.address_ru, a.address_kk)
              else coalesce(a.address_kk, a.address_ru) end, 300), ''), '—')),
          'buttons', jsonb_build_array(
            jsonb_build_array(
              jsonb_build_object('kind', ${buttonKind("reminder.coming")}, 'actionId', a.id),
              jsonb_build_object('kind', ${buttonKind("reminder.cant")}, 'actionId', a.id)),
            -- The card, and the meeting point on a map when the action has a real one (not a region's center).
            jsonb_build_array(jsonb_build_object('kind', ${buttonKind("action.open")}, 'actionId', a.id))
              || case when a.has_pin then jsonb_build_array(jsonb_build_object('kind', ${buttonKind("map")},
                'latitude', a.latitude, 'longitude', a.longitude)) else '[]'::jsonb end),
          'expiresAt', a.starts_at),
        1, ${ts(now)}, ${`rem${kind}:`}::text || a.id || ':' || p.user_id
      from actions a
      join participations p on p.action_id = a.id and p.status = 'joined'
      join users u on u.id = p.user_id
      cross join lateral (select ${due} as due) d
      where a.status = 'published'
        and a.starts_at > ${ts(now)} + ${until}::interval
        and a.starts_at <= ${ts(now)} + interval '26 hours'
        and d.due <= ${ts(now)} and ${extra}
        and p.created_at <= d.due
        and ${enabled} and u.paused_at is null and u.blocked_at is null
      on conflict (idempotency_key) do nothing`,
    );
  }
  return added;
};

/**
 * When the 2 h reminder is due: 2 h before the start, or, when that falls in the user's quiet hours (local minutes
 * [start, end), across midnight when start > end; none when equal), 10 minutes before those quiet hours began.
 */
const twoHourReminderDue = sql`(
  with l as (select (a.starts_at - interval '2 hours') at time zone ${TIME_ZONE} as local),
  q as (
    select l.local, extract(hour from l.local)::int * 60 + extract(minute from l.local)::int as m,
      date_trunc('day', l.local) + make_interval(mins => u.quiet_start_minute) as began
    from l)
  select case
    when u.quiet_start_minute <> u.quiet_end_minute and case
      when u.quiet_start_minute < u.quiet_end_minute then q.m >= u.quiet_start_minute and q.m < u.quiet_end_minute
      else q.m >= u.quiet_start_minute or q.m < u.quiet_end_minute end
    then (case when q.began > q.local then q.began - interval '1 day' else q.began end) at time zone ${TIME_ZONE}
      - interval '10 minutes'
    else a.starts_at - interval '2 hours' end
  from q)`;

/**
 * Longevity-club meetings repeat weekly (ISO weekday and local minute, Asia/Almaty). Each member is reminded of an
 * occurrence twice: the day before (due from 24 h before it) and on its morning (from 08:00 local, when the first
 * one went out before that day began). The keys carry the local date, so next week's meeting gets its own reminders.
 * A cancelled date (club_meeting_exceptions) gets none (its members were told when it was cancelled), and a member
 * who said "I can't" gets no morning reminder.
 */
export const clubMeetingReminders: JobRun = async (db, now) => {
  let added = 0;
  for (const [prefix, due, extra] of [
    [CLUB_REMINDER_PREFIX, sql`n.occurs_at - interval '24 hours'`, sql`true`],
    [
      CLUB_MORNING_PREFIX,
      sql`(date_trunc('day', n.occurs_at at time zone ${TIME_ZONE}) + interval '8 hours') at time zone ${TIME_ZONE}`,
      sql`exists (select 1 from outbox o where o.idempotency_key = ${CLUB_REMINDER_PREFIX}::text || n.id || ':' || n.day_key || ':' || cm.user_id
          and o.not_before < date_trunc('day', n.occurs_at at time zone ${TIME_ZONE}) at time zone ${TIME_ZONE})
        and not exists (select 1 from club_answers a where a.meeting_id = n.id and a.date = n.local_day
          and a.user_id = cm.user_id and a.answer = 'no')`,
    ],
  ] as const) {
    added += await insertedCount(
      db,
      sql`
    with local as (select ${ts(now)} at time zone ${TIME_ZONE} as now_local),
    first_try as (
      select m.id, m.club_id, m.place, c.name_kk, c.name_ru, c.address,
        (date_trunc('day', l.now_local)
          + make_interval(days => ((m.weekday - extract(isodow from l.now_local)::int + 7) % 7), mins => m.start_minute))
          at time zone ${TIME_ZONE} as at
      from club_meetings m join clubs c on c.id = m.club_id cross join local l
      where m.active
    ),
    next_try as (
      select f.*, case when f.at <= ${ts(now)} then f.at + interval '7 days' else f.at end as occurs_at from first_try f
    ),
    next_meeting as (
      select t.*, (t.occurs_at at time zone ${TIME_ZONE})::date as local_day,
        to_char(t.occurs_at at time zone ${TIME_ZONE}, 'YYYYMMDD') as day_key
      from next_try t
      where not exists (select 1 from club_meeting_exceptions x
        where x.meeting_id = t.id and x.date = (t.occurs_at at time zone ${TIME_ZONE})::date)
    )
    insert into outbox (chat_id, kind, payload, priority, not_before, idempotency_key)
    select cm.user_id, 'message',
      jsonb_build_object(
        'template', 'reminders.club_meeting',
        'locale', coalesce(u.language, 'kk'),
        'params', jsonb_build_object(
          'club', left(case when u.language = 'ru' then coalesce(n.name_ru, n.name_kk)
            else coalesce(n.name_kk, n.name_ru) end, 300),
          'date', jsonb_build_object('$day', n.occurs_at),
          'time', jsonb_build_object('$time', n.occurs_at),
          'place', coalesce(nullif(concat_ws(', ', nullif(n.address, ''), nullif(n.place, '')), ''), '—')),
        'buttons', jsonb_build_array(jsonb_build_array(
          jsonb_build_object('kind', ${buttonKind("club.coming")}, 'meetingId', n.id, 'date', n.day_key),
          jsonb_build_object('kind', ${buttonKind("club.cant")}, 'meetingId', n.id, 'date', n.day_key))),
        'expiresAt', n.occurs_at),
      1, ${ts(now)},
      ${prefix}::text || n.id || ':' || n.day_key || ':' || cm.user_id
    from next_meeting n
    join club_members cm on cm.club_id = n.club_id
    join users u on u.id = cm.user_id
    where ${due} <= ${ts(now)} and u.blocked_at is null and ${extra}
    on conflict (idempotency_key) do nothing`,
    );
  }
  return added;
};

/**
 * Every Monday from 10:00 (Asia/Almaty): each participant of a marathon that ran last week gets last week's deeds,
 * the totals and their rank. Keyed by the week, so a restart later in the week still sends it, once. It counts what
 * the progress screen and the leaderboard count (countedDeeds and marathonScores in domain/marathons.ts) as of the
 * moment it is written; a participant without counted deeds gets the text without a rank.
 */
export const marathonDigest: JobRun = (db, now) => {
  // The deeds of the marathons that get a digest now (none before Monday 10:00), up to this moment.
  const upToNow = sql`d.created_at <= ${ts(now)}
    and d.marathon_id in (select m.id from marathons m cross join bounds b
      where m.starts_at < b.week_start and m.ends_at > b.week_start - interval '7 days'
        and ${ts(now)} >= b.week_start + interval '10 hours')`;
  return insertedCount(
    db,
    sql`
    with week as (
      select date_trunc('week', ${ts(now)} at time zone ${TIME_ZONE}) as monday_local
    ),
    bounds as (
      select monday_local, monday_local at time zone ${TIME_ZONE} as week_start from week
    ),
    scores as ${marathonScores(upToNow)},
    counted as ${countedDeeds(upToNow)},
    digest as (
      select mp.marathon_id, mp.user_id,
        coalesce(s.deeds, 0) as total, coalesce(s.hours, 0) as hours, s.rank,
        (select count(*) from counted c where c.marathon_id = mp.marathon_id and c.user_id = mp.user_id
          and c.created_at >= b.week_start - interval '7 days' and c.created_at < b.week_start) as last_week,
        (select count(*) from scores s2 where s2.marathon_id = mp.marathon_id) as participants
      from marathon_participants mp
      join marathons m on m.id = mp.marathon_id
      cross join bounds b
      left join scores s on s.marathon_id = mp.marathon_id and s.user_id = mp.user_id
      where m.starts_at < b.week_start and m.ends_at > b.week_start - interval '7 days'
        and ${ts(now)} >= b.week_start + interval '10 hours'
    )
    insert into outbox (chat_id, kind, payload, priority, not_before, idempotency_key)
    select r.user_id, 'message',
      jsonb_build_object(
        'template', case when r.rank is null then 'reminders.digest_unranked' else 'reminders.digest' end,
        'locale', coalesce(u.language, 'kk'),
        'params', jsonb_build_object(
          'title', case when u.language = 'ru' then m.title_ru else m.title_kk end,
          'count', r.last_week, 'total', r.total, 'hours', replace(trim_scale(r.hours)::text, '.', ','),
          'rank', r.rank, 'participants', r.participants),
        'expiresAt', b.week_start + interval '7 days'),
      1, ${ts(now)},
      'digest:' || r.marathon_id || ':' || to_char(b.monday_local, 'YYYYMMDD') || ':' || r.user_id
    from digest r
    join marathons m on m.id = r.marathon_id
    join users u on u.id = r.user_id
    cross join bounds b
    where u.blocked_at is null
    on conflict (idempotency_key) do nothing`,
  );
};

/** Rows per housekeeping slice: each slice is a short transaction of its own (see Job.slice). */
export const HOUSEKEEPING_SLICE = 5000;

/**
 * Deletes sent rows after `retentionDays`, dead ones after 30 days (kept longer to explain failed deliveries), and
 * per-chat limits idle for an hour. One slice per call (the scheduler calls it again while slices come back full).
 */
export function outboxHousekeeping(retentionDays: number, slice = HOUSEKEEPING_SLICE): JobRun {
  return async (db, now) => {
    const rows = await purgeOutboxSlice(
      db,
      {
        sentBefore: new Date(now.getTime() - retentionDays * 86_400_000),
        deadBefore: new Date(now.getTime() - Math.max(30, retentionDays) * 86_400_000),
      },
      slice,
    );
    return rows + (await purgeChatLimitsSlice(db, now, slice));
  };
}

/** Actions listed in one evening digest; the rest are counted ("and N more"). */
export const DIGEST_LIST = 5;

/**
 * The evening digest of new actions (from 19:00 Asia/Almaty): each volunteer with alerts not yet sent (digest mode,
 * or instant alerts beyond the day's cap) gets one message listing up to DIGEST_LIST upcoming ones with a numbered
 * button each; all their waiting alerts are then marked sent. Alerts of actions cancelled or started meanwhile are
 * dropped quietly. Keyed by the local day, so a second run the same evening sends nothing twice.
 */
export const alertDigest: JobRun = async (db, now) => {
  const rows = rowsOf<{ n: number | string }>(
    await db.execute(sql`
    with local as (select ${ts(now)} at time zone ${TIME_ZONE} as l),
    stale as (
      update action_alerts aa set sent_at = ${ts(now)}
      from actions a
      where aa.sent_at is null and a.id = aa.action_id and (a.status <> 'published' or a.starts_at <= ${ts(now)})
      returning aa.user_id),
    waiting as (
      select aa.user_id, aa.action_id, a.starts_at, coalesce(u.language, 'kk') as language,
        left(case when u.language = 'ru' then coalesce(nullif(a.title_ru, ''), a.title_kk)
          else coalesce(nullif(a.title_kk, ''), a.title_ru) end, 120) as title,
        row_number() over (partition by aa.user_id order by a.starts_at, a.id) as n,
        count(*) over (partition by aa.user_id) as total
      from action_alerts aa
      join actions a on a.id = aa.action_id
      join users u on u.id = aa.user_id
      cross join local
      where aa.sent_at is null and a.status = 'published' and a.starts_at > ${ts(now)}
        and extract(hour from local.l) >= 19
        and u.alert_mode <> 'off' and u.blocked_at is null and u.paused_at is null and u.consent_at is not null),
    sent as (
      insert into outbox (chat_id, kind, payload, priority, not_before, idempotency_key)
      select w.user_id, 'message',
        jsonb_build_object(
          'template', 'alerts.digest',
          'locale', min(w.language),
          'params', jsonb_build_object(
            'lines', jsonb_build_object('$lines', jsonb_agg(jsonb_build_object(
              '$tpl', 'alerts.digest_line',
              'params', jsonb_build_object('n', w.n, 'title', w.title, 'when', jsonb_build_object('$datetime', w.starts_at))
            ) order by w.n) filter (where w.n <= ${DIGEST_LIST})),
            'more', case when max(w.total) > ${DIGEST_LIST} then jsonb_build_object(
              '$tpl', 'alerts.digest_more', 'params', jsonb_build_object('count', max(w.total) - ${DIGEST_LIST}))
              else '""'::jsonb end),
          'buttons', jsonb_build_array(jsonb_agg(jsonb_build_object(
            'kind', ${buttonKind("action.open")}, 'actionId', w.action_id, 'n', w.n)
            order by w.n) filter (where w.n <= ${DIGEST_LIST})),
          'expiresAt', ${ts(now)} + interval '20 hours'),
        1, ${ts(now)}, 'alertdigest:' || w.user_id || ':' || to_char((select l from local), 'YYYYMMDD')
      from waiting w
      group by w.user_id
      on conflict (idempotency_key) do nothing
      returning chat_id),
    marked as (
      update action_alerts aa set sent_at = ${ts(now)}
      from waiting w
      where aa.user_id = w.user_id and aa.action_id = w.action_id and w.user_id in (select chat_id from sent)
      returning 1)
    select (select count(*) from sent) as n, (select count(*) from marked) as marked, (select count(*) from stale) as stale`),
  );
  return Number(rows[0]?.n ?? 0);
};
