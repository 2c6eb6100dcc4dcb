/**
 * npx tsx test/bench/alerts.ts — publishing an action with many matching volunteers on PostgreSQL (issue 8: the alert
 * rows enqueued in at most 3 s). One transaction inserts the action and calls actionPublished, which writes every
 * volunteer's action_alerts row and the outbox rows of those on "at once" in one INSERT … SELECT.
 *
 * Knobs: BENCH_ALERTS_MATCHING (matching volunteers, default 50,000; half "at once", half digest),
 * BENCH_ALERTS_OTHERS (volunteers who do not match: another region, other interests, off, far away; 50,000),
 * BENCH_ALERTS_ROUNDS (3; each publishes a new action). PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else
 * postgres://127.0.0.1:5432/test (a fresh database, dropped after).
 */
import { cpus, loadavg } from "node:os";
import { sql } from "drizzle-orm";
import { rowsOf } from "../../src/db/client";
import { addOrganization, publishAction } from "../support/channel-fixtures";
import { openFreshPostgres } from "../support/db";
import { median, percentile } from "./stats";

const MATCHING = Number(process.env.BENCH_ALERTS_MATCHING ?? 50_000);
const OTHERS = Number(process.env.BENCH_ALERTS_OTHERS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ALERTS_ROUNDS ?? 3);
const LIMIT_MS = 3000;
const POSTGRES_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://127.0.0.1:5432/test";
const FIRST_USER = 9_200_000_000;

async function main(): Promise<void> {
  const database = await openFreshPostgres(POSTGRES_URL);
  const { db } = database;
  try {
    // Matching: Almaty region, ecology among the interests (or none), half with a location near the venue.
    await db.execute(sql`
      insert into users (id, language, region_code, interests, alert_mode, latitude, longitude, location_at,
        consent_at, onboarded_at, quiet_start_minute, quiet_end_minute)
      select ${FIRST_USER}::bigint + g, case when g % 2 = 0 then 'kk' else 'ru' end, 'almaty',
        case when g % 5 = 0 then '{}'::text[] else array['ecology', 'animals'] end,
        case when g % 2 = 0 then 'instant' else 'digest' end,
        case when g % 3 = 0 then 43.25 end, case when g % 3 = 0 then 76.93 end, case when g % 3 = 0 then now() end,
        now(), now(), 0, 0
      from generate_series(1, ${MATCHING}) g`);
    // Not matching, in four ways.
    await db.execute(sql`
      insert into users (id, language, region_code, interests, alert_mode, latitude, longitude, location_at,
        consent_at, onboarded_at)
      select ${FIRST_USER + MATCHING}::bigint + g, 'kk', case when g % 4 = 0 then 'astana' else 'almaty' end,
        case when g % 4 = 1 then array['animals'] else array['ecology'] end,
        case when g % 4 = 2 then 'off' else 'instant' end,
        case when g % 4 = 3 then 45.0 end, case when g % 4 = 3 then 78.4 end, case when g % 4 = 3 then now() end,
        now(), now()
      from generate_series(1, ${OTHERS}) g`);
    await db.execute(sql`analyze users`);
    await db.execute(sql`insert into users (id, language) values (1, 'kk')`);
    const organizationId = await addOrganization(db, { ownerId: 1 });

    const times: number[] = [];
    let alerts = 0;
    let instant = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      const actionId = await publishAction(db, { organizationId, createdBy: 1, titleRu: `Бенчмарк ${round}` });
      times.push(performance.now() - started);
      const [row] = rowsOf<{ alerts: string | number; instant: string | number }>(
        await db.execute(sql`
          select (select count(*) from action_alerts where action_id = ${actionId}) as alerts,
                 (select count(*) from outbox where idempotency_key like ${`alert:${actionId}:%`}) as instant`),
      );
      alerts = Number(row!.alerts);
      instant = Number(row!.instant);
      if (alerts !== MATCHING) throw new Error(`round ${round}: ${alerts} alerts, expected ${MATCHING}`);
      if (instant !== MATCHING / 2)
        throw new Error(`round ${round}: ${instant} instant alerts, expected ${MATCHING / 2}`);
    }
    // Baseline: the same rows written without any matching (the cost of the writes alone, on this machine now).
    const baseline: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const actionId = await publishAction(db, {
        organizationId,
        createdBy: 1,
        category: "other",
        regionCode: "astana",
        hasPin: false,
      });
      const started = performance.now();
      await db.transaction(async (tx) => {
        await tx.execute(sql`
          insert into action_alerts (user_id, action_id, sent_at)
          select id, ${actionId}, case when alert_mode = 'instant' then now() end from users
          where id > ${FIRST_USER} and id <= ${FIRST_USER + MATCHING}`);
        await tx.execute(sql`
          insert into outbox (chat_id, kind, payload, priority, not_before, idempotency_key)
          select id, 'message', jsonb_build_object('template', 'alerts.instant', 'locale', language,
            'params', jsonb_build_object('title', 'x', 'when', jsonb_build_object('$datetime', now()))),
            1, now(), 'base:' || ${actionId}::int || ':' || id
          from users where id > ${FIRST_USER} and id <= ${FIRST_USER + MATCHING} and alert_mode = 'instant'`);
      });
      baseline.push(performance.now() - started);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const p50 = median(times);
    const p95 = percentile(sorted, 95);
    const base50 = median(baseline);
    const base95 = percentile(
      [...baseline].sort((a, b) => a - b),
      95,
    );
    console.log(
      `\nPublishing an action to matching volunteers (PostgreSQL, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)})\n`,
    );
    const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(
      "| what | database | volunteers (matching / all) | alert rows | outbox rows | median | p95 | vs 3 s limit | vs baseline |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|");
    console.log(
      `| publish: action + alerts (one INSERT … SELECT) | PostgreSQL | ${MATCHING} / ${MATCHING + OTHERS} | ${alerts} | ${instant} | ${secs(p50)} | ${secs(p95)} | ${((p95 / LIMIT_MS) * 100).toFixed(0)}% | ${(p50 / base50).toFixed(2)}× |`,
    );
    console.log(
      `| baseline: the same rows written, no matching | PostgreSQL | — | ${MATCHING} | ${MATCHING / 2} | ${secs(base50)} | ${secs(base95)} | — | baseline |`,
    );
    if (p95 > LIMIT_MS) {
      console.error(`\nFAIL: p95 ${p95.toFixed(0)} ms exceeds ${LIMIT_MS} ms`);
      process.exitCode = 1;
    }
  } finally {
    await database.close();
  }
}

await main();
