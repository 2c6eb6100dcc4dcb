import { type SQL, sql } from "drizzle-orm";
import { type Executor, rowsOf } from "../db/client";
import { ALMATY_OFFSET_MS, TIME_ZONE } from "../core/time";
import { countedDeeds } from "./marathons";

/**
 * Regional statistics for the front offices (/stats): set-based queries, one per figure, grouped by region, so the
 * 20 regions side by side cost what one region does. Months are local (Asia/Almaty) "YYYY-MM".
 *
 * - volunteers: people of the region (their profile's region) active in the last 90 days: joined an action, logged
 *   hours or reported a deed;
 * - organizers: members of the region's approved organizations;
 * - actions, joins and check-ins of this month and last month: published actions of the region starting in the
 *   month, their current participants (joined) and those checked in;
 * - confirmed hours by month and by category over the last 12 months (the action's region, else the person's),
 *   with the anonymous totals of deleted accounts, as hourTotals in privacy.ts counts them;
 * - top organizations by confirmed hours of their actions in the region over the same 12 months;
 * - marathon progress: counted deeds (countedDeeds) and participants of the region in the running marathons.
 */

export const ACTIVE_DAYS = 90;
export const HOUR_MONTHS = 12;
export const TOP_ORGANIZATIONS = 5;

/** Local "YYYY-MM" of a moment, and `back` months before it. */
export function localMonth(now: Date, back = 0): string {
  const local = new Date(now.getTime() + ALMATY_OFFSET_MS);
  const d = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - back, 1));
  return d.toISOString().slice(0, 7);
}

/** The last HOUR_MONTHS local months, oldest first, ending with the current one. */
export function statMonths(now: Date): string[] {
  return Array.from({ length: HOUR_MONTHS }, (_, i) => localMonth(now, HOUR_MONTHS - 1 - i));
}

export interface RegionFigures {
  regionCode: string;
  volunteers: number;
  organizers: number;
  actionsThisMonth: number;
  actionsLastMonth: number;
  joinsThisMonth: number;
  joinsLastMonth: number;
  checkinsThisMonth: number;
  checkinsLastMonth: number;
  /** Confirmed hours over the last 12 months. */
  hours: number;
}

export interface RegionDetails {
  months: Array<{ month: string; hours: number }>;
  categories: Array<{ category: string; hours: number }>;
  organizations: Array<{ organizationId: number; nameKk: string | null; nameRu: string | null; hours: number }>;
  marathons: Array<{ marathonId: number; titleKk: string; titleRu: string; participants: number; deeds: number }>;
}

const num = (v: unknown) => Number(v ?? 0);
const byRegion = <T extends { region_code: string }>(rows: T[]) => new Map(rows.map((r) => [r.region_code, r]));

/** Confirmed hours per month, region and category of the 12-month window (live entries + anonymous totals). */
function hoursIn(now: Date, where: SQL = sql`true`): SQL {
  const from = localMonth(now, HOUR_MONTHS - 1);
  const to = localMonth(now);
  return sql`(select month, region_code, category, hours from (
      select to_char(h.activity_date, 'YYYY-MM') as month, coalesce(a.region_code, u.region_code, '') as region_code,
             coalesce(h.category, '') as category, h.hours as hours, a.organization_id as organization_id
      from hour_entries h
      join users u on u.id = h.user_id
      left join actions a on a.id = h.action_id
      where h.status = 'confirmed'
      union all
      select month, region_code, category, hours, null from anonymous_hours) t
    where month between ${from} and ${to} and ${where})`;
}

/** The headline figures of every region (or of one). */
export async function regionFigures(db: Executor, now = new Date(), regionCode?: string): Promise<RegionFigures[]> {
  const since = new Date(now.getTime() - ACTIVE_DAYS * 86_400_000);
  const thisMonth = localMonth(now);
  const lastMonth = localMonth(now, 1);
  const only = (column: SQL) => (regionCode ? sql`${column} = ${regionCode}` : sql`true`);
  const [regionRows, volunteerRows, organizerRows, actionRows, hourRows] = await Promise.all([
    db.execute(sql`select code as region_code from regions where ${only(sql`code`)} order by position`),
    db.execute(sql`
      select u.region_code, count(*)::int as n from users u
      where u.region_code is not null and ${only(sql`u.region_code`)} and u.consent_at is not null and (
        exists (select 1 from participations p where p.user_id = u.id and p.created_at >= ${since.toISOString()}::timestamptz)
        or exists (select 1 from hour_entries h where h.user_id = u.id and h.created_at >= ${since.toISOString()}::timestamptz)
        or exists (select 1 from marathon_deeds d where d.user_id = u.id and d.created_at >= ${since.toISOString()}::timestamptz))
      group by u.region_code`),
    db.execute(sql`
      select o.region_code, count(distinct m.user_id)::int as n
      from organization_members m join organizations o on o.id = m.organization_id
      where o.status = 'approved' and o.region_code is not null and ${only(sql`o.region_code`)}
      group by o.region_code`),
    db.execute(sql`
      select a.region_code,
        count(*) filter (where t.month = ${thisMonth})::int as actions_this,
        count(*) filter (where t.month = ${lastMonth})::int as actions_last,
        coalesce(sum(p.joins) filter (where t.month = ${thisMonth}), 0)::int as joins_this,
        coalesce(sum(p.joins) filter (where t.month = ${lastMonth}), 0)::int as joins_last,
        coalesce(sum(p.checkins) filter (where t.month = ${thisMonth}), 0)::int as checkins_this,
        coalesce(sum(p.checkins) filter (where t.month = ${lastMonth}), 0)::int as checkins_last
      from actions a
      cross join lateral (select to_char(a.starts_at at time zone ${TIME_ZONE}, 'YYYY-MM') as month) t
      left join lateral (
        select count(*) filter (where pp.status = 'joined') as joins,
               count(*) filter (where pp.checked_in_at is not null) as checkins
        from participations pp where pp.action_id = a.id) p on true
      where a.status = 'published' and a.region_code is not null and ${only(sql`a.region_code`)}
        and t.month in (${thisMonth}, ${lastMonth})
      group by a.region_code`),
    db.execute(sql`
      select region_code, sum(hours) as hours from ${hoursIn(now, only(sql`region_code`))} h group by region_code`),
  ]);
  const volunteers = byRegion(rowsOf<{ region_code: string; n: number }>(volunteerRows));
  const organizers = byRegion(rowsOf<{ region_code: string; n: number }>(organizerRows));
  const acts = byRegion(rowsOf<Record<string, unknown> & { region_code: string }>(actionRows));
  const hours = byRegion(rowsOf<{ region_code: string; hours: unknown }>(hourRows));
  return rowsOf<{ region_code: string }>(regionRows).map(({ region_code: code }) => {
    const a = acts.get(code);
    return {
      regionCode: code,
      volunteers: num(volunteers.get(code)?.n),
      organizers: num(organizers.get(code)?.n),
      actionsThisMonth: num(a?.actions_this),
      actionsLastMonth: num(a?.actions_last),
      joinsThisMonth: num(a?.joins_this),
      joinsLastMonth: num(a?.joins_last),
      checkinsThisMonth: num(a?.checkins_this),
      checkinsLastMonth: num(a?.checkins_last),
      hours: Math.round(num(hours.get(code)?.hours) * 10) / 10,
    };
  });
}

/** Hours by month and category, top organizations and marathon progress of one region (or the whole country). */
export async function regionDetails(db: Executor, regionCode: string | null, now = new Date()): Promise<RegionDetails> {
  const only = (column: SQL) => (regionCode ? sql`${column} = ${regionCode}` : sql`true`);
  const hours = hoursIn(now, only(sql`region_code`));
  const [monthRows, categoryRows, orgRows, marathonRows] = await Promise.all([
    db.execute(sql`select month, sum(hours) as hours from ${hours} h group by month`),
    db.execute(
      sql`select category, sum(hours) as hours from ${hours} h group by category order by sum(hours) desc, category`,
    ),
    db.execute(sql`
      select o.id, o.name_kk, o.name_ru, sum(h.hours) as hours
      from hour_entries h
      join actions a on a.id = h.action_id
      join organizations o on o.id = a.organization_id
      where h.status = 'confirmed' and ${only(sql`a.region_code`)}
        and to_char(h.activity_date, 'YYYY-MM') between ${localMonth(now, HOUR_MONTHS - 1)} and ${localMonth(now)}
      group by o.id order by sum(h.hours) desc, o.id limit ${TOP_ORGANIZATIONS}`),
    db.execute(sql`
      select m.id, m.title_kk, m.title_ru,
        (select count(*)::int from marathon_participants mp join users u on u.id = mp.user_id
          where mp.marathon_id = m.id and ${only(sql`u.region_code`)}) as participants,
        (select count(*)::int from ${countedDeeds(sql`d.marathon_id = m.id`)} c join users u on u.id = c.user_id
          where ${only(sql`u.region_code`)}) as deeds
      from marathons m
      where m.starts_at <= ${now.toISOString()}::timestamptz and m.ends_at > ${now.toISOString()}::timestamptz
        and (m.region_code is null or ${regionCode ? sql`m.region_code = ${regionCode}` : sql`true`})
      order by m.starts_at, m.id`),
  ]);
  const monthHours = new Map(rowsOf<{ month: string; hours: unknown }>(monthRows).map((r) => [r.month, num(r.hours)]));
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    months: statMonths(now).map((month) => ({ month, hours: round(monthHours.get(month) ?? 0) })),
    categories: rowsOf<{ category: string; hours: unknown }>(categoryRows).map((r) => ({
      category: r.category,
      hours: round(num(r.hours)),
    })),
    organizations: rowsOf<{ id: number; name_kk: string | null; name_ru: string | null; hours: unknown }>(orgRows).map(
      (r) => ({ organizationId: Number(r.id), nameKk: r.name_kk, nameRu: r.name_ru, hours: round(num(r.hours)) }),
    ),
    marathons: rowsOf<{ id: number; title_kk: string; title_ru: string; participants: number; deeds: number }>(
      marathonRows,
    ).map((r) => ({
      marathonId: Number(r.id),
      titleKk: r.title_kk,
      titleRu: r.title_ru,
      participants: num(r.participants),
      deeds: num(r.deeds),
    })),
  };
}
