/**
 * Delivery benchmarks: `npx tsx test/bench/delivery.ts` prints a markdown table.
 *
 * 1. Sustained delivery from a 100,000-message broadcast against the fake Bot API enforcing 30 messages/s (and 1/s
 *    per chat), measured over a window after a warm-up: share of the limit reached and 429 answers.
 * 2. Raw dispatcher capacity with the limits lifted (no rate limit, no per-chat gap).
 * 3. Reminder fan-out: 100,000 reminders due in the same minute (100 actions × 1,000 participants) enqueued by the job.
 * 4. Two dispatchers (two pools, as two instances) sharing one database, with every tenth message going to one of five
 *    busy chats, against the fake enforcing 30/s, 1/s per chat: share of the rate and 429 answers (per-chat gaps are
 *    shared through `chat_limits`).
 *
 * The fake Bot API runs in a child process (telegram-child.ts), so the dispatcher has its process to itself.
 * PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://127.0.0.1:5432/test (a fresh database is
 * created and dropped). Knobs: BENCH_DELIVERY_WINDOW (seconds, default 30), BENCH_DELIVERY_RAW (messages, default
 * 20000), BENCH_DELIVERY_FANOUT (reminders, default 100000), BENCH_DELIVERY_PGLITE=1 adds PGlite rows.
 */
import { sql } from "drizzle-orm";
import { Api } from "grammy";
import { type Database, type DatabaseHandle, openDatabase } from "../../src/db/client";
import { renderOutboxButton } from "../../src/bot/outbox-buttons";
import { Dispatcher } from "../../src/delivery/dispatcher";
import { rowsOf } from "../../src/db/client";
import { createI18n } from "../../src/i18n";
import { createLogger } from "../../src/logger";
import { actionReminders } from "../../src/scheduler/jobs";
import { freshPostgresUrl } from "../support/delivery-fixtures";
import { printTable } from "./stats";
import { FIRST_CHAT, fakeTelegram } from "./telegram-child";

const POSTGRES_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://127.0.0.1:5432/test";
const WINDOW_S = Number(process.env.BENCH_DELIVERY_WINDOW ?? 30);
const WARMUP_S = 3;
const RAW = Number(process.env.BENCH_DELIVERY_RAW ?? 20_000);
const FANOUT = Number(process.env.BENCH_DELIVERY_FANOUT ?? 100_000);
const BROADCAST = 100_000;

// ----- helpers -----------------------------------------------------------------------------------------------------

const silent = createLogger("silent");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function count(db: Database, query: ReturnType<typeof sql>): Promise<number> {
  return Number(rowsOf<{ n: string | number }>(await db.execute(query))[0]?.n ?? 0);
}

/** A broadcast enqueued set-based (the benchmark measures delivery, not this). */
async function enqueueBroadcast(db: Database, total: number, batch: string): Promise<void> {
  await db.execute(sql`
    insert into outbox (chat_id, kind, payload, priority, not_before, idempotency_key, batch)
    select ${FIRST_CHAT} + i, 'message', jsonb_build_object('text', 'Хабарландыру <b>№' || i || '</b>'), 1, now(),
           ${batch} || ':' || i, ${batch}
    from generate_series(0, ${total - 1}) as i`);
}

async function withDatabase<T>(kind: "postgres" | "pglite", run: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  if (kind === "pglite") {
    const handle = await openDatabase({});
    await handle.migrate();
    try {
      return await run(handle);
    } finally {
      await handle.close();
    }
  }
  const fresh = await freshPostgresUrl(POSTGRES_URL);
  const handle = await openDatabase({ url: fresh.url, max: 10 });
  try {
    return await run(handle);
  } finally {
    await handle.close();
    await fresh.drop();
  }
}

interface Row {
  what: string;
  database: string;
  messages: string;
  time: string;
  throughput: string;
  target: string;
  errors: string;
}
const rows: Row[] = [];

// ----- 1. sustained delivery at Telegram's limit --------------------------------------------------------------------

async function sustained(kind: "postgres" | "pglite"): Promise<void> {
  await withDatabase(kind, async ({ db }) => {
    const telegram = await fakeTelegram({ users: BROADCAST, rateLimit: { globalPerSecond: 30, perChatPerSecond: 1 } });
    await enqueueBroadcast(db, BROADCAST, "sustained");
    const dispatcher = new Dispatcher({
      db,
      api: new Api(telegram.token, { apiRoot: telegram.apiRoot }),
      i18n: await createI18n(),
      logger: silent,
      buttons: renderOutboxButton,
    });
    dispatcher.start();
    await sleep(WARMUP_S * 1000);
    const warmup = await telegram.sends();
    const from = Date.now();
    await sleep(WINDOW_S * 1000);
    const window = await telegram.sends();
    const to = Date.now();
    await dispatcher.stop();
    await telegram.stop();
    const ok = window.codes.filter((code) => code === 200).length;
    const limited = window.codes.filter((code) => code === 429).length;
    const rate = ok / ((to - from) / 1000);
    rows.push({
      what: `sustained delivery, fake Telegram limited to 30/s (${BROADCAST.toLocaleString("en")}-message broadcast)`,
      database: kind === "postgres" ? "PostgreSQL" : "PGlite",
      messages: `${ok} in the window`,
      time: `${WINDOW_S} s after ${WARMUP_S} s warm-up`,
      throughput: `${rate.toFixed(2)} msg/s`,
      target: `${((rate / 30) * 100).toFixed(1)}% of 30/s (target ≥ 98%)`,
      errors: `${limited} × 429 (warm-up: ${warmup.codes.filter((code) => code === 429).length})`,
    });
  });
}

// ----- 4. two instances, busy chats ------------------------------------------------------------------------------

async function twoInstances(): Promise<void> {
  const fresh = await freshPostgresUrl(POSTGRES_URL);
  const handles = [await openDatabase({ url: fresh.url, max: 5 }), await openDatabase({ url: fresh.url, max: 5 })];
  try {
    const total = 20_000;
    const telegram = await fakeTelegram({ users: total, rateLimit: { globalPerSecond: 30, perChatPerSecond: 1 } });
    // Every tenth message goes to one of five busy chats (the first five users), the rest to one chat each.
    await handles[0]!.db.execute(sql`
      insert into outbox (chat_id, kind, payload, priority, not_before, idempotency_key, batch)
      select ${FIRST_CHAT} + case when i % 10 = 0 then (i / 10) % 5 else 5 + i end, 'message',
             jsonb_build_object('text', 'Хабарландыру №' || i), 1, now(), 'two:' || i, 'two'
      from generate_series(0, ${total - 1}) as i`);
    const i18n = await createI18n();
    const dispatchers = handles.map(
      ({ db }) =>
        new Dispatcher({
          db,
          api: new Api(telegram.token, { apiRoot: telegram.apiRoot }),
          i18n,
          logger: silent,
          buttons: renderOutboxButton,
        }),
    );
    for (const d of dispatchers) d.start();
    await sleep(WARMUP_S * 1000);
    await telegram.sends();
    const from = Date.now();
    const windowS = Math.min(WINDOW_S, 20);
    await sleep(windowS * 1000);
    const window = await telegram.sends();
    const to = Date.now();
    await Promise.all(dispatchers.map((d) => d.stop()));
    await telegram.stop();
    const ok = window.codes.filter((code) => code === 200).length;
    const rate = ok / ((to - from) / 1000);
    rows.push({
      what: "two dispatchers on one database, every 10th message to one of 5 busy chats, fake limited to 30/s and 1/s per chat",
      database: "PostgreSQL",
      messages: `${ok} in the window (${dispatchers.map((d) => d.stats.sent).join(" + ")} sent in all)`,
      time: `${windowS} s after ${WARMUP_S} s warm-up`,
      throughput: `${rate.toFixed(2)} msg/s`,
      target: `${((rate / 30) * 100).toFixed(1)}% of 30/s`,
      errors: `${window.codes.filter((code) => code === 429).length} × 429 in the window (flood pauses in all: ${dispatchers.reduce((n, d) => n + d.stats.floodPauses, 0)})`,
    });
  } finally {
    for (const handle of handles) await handle.close();
    await fresh.drop();
  }
}

// ----- 2. raw capacity -----------------------------------------------------------------------------------------------

async function raw(kind: "postgres" | "pglite", total: number): Promise<void> {
  await withDatabase(kind, async ({ db }) => {
    const telegram = await fakeTelegram({ users: total });
    await enqueueBroadcast(db, total, "raw");
    const dispatcher = new Dispatcher({
      db,
      api: new Api(telegram.token, { apiRoot: telegram.apiRoot }),
      i18n: await createI18n(),
      logger: silent,
      buttons: renderOutboxButton,
      ratePerSecond: 1_000_000,
      perChatIntervalMs: 0,
      maxInFlight: 128,
      maxBatch: 1000,
    });
    const started = Date.now();
    dispatcher.start();
    while ((await count(db, sql`select count(*) as n from outbox where state = 'sent'`)) < total) await sleep(100);
    const elapsed = (Date.now() - started) / 1000;
    await dispatcher.stop();
    const sends = await telegram.sends();
    await telegram.stop();
    const rate = total / elapsed;
    rows.push({
      what: "raw dispatcher capacity, limits lifted (claim → render → send → mark sent)",
      database: kind === "postgres" ? "PostgreSQL" : "PGlite",
      messages: total.toLocaleString("en"),
      time: `${elapsed.toFixed(1)} s`,
      throughput: `${Math.round(rate)} msg/s`,
      target: kind === "postgres" ? `${rate >= 1000 ? "meets" : "below"} ≥ 1000 msg/s` : "—",
      errors: `${sends.codes.filter((code) => code !== 200).length} failed, ${sends.codes.length - total} duplicates`,
    });
  });
}

// ----- 3. reminder fan-out -------------------------------------------------------------------------------------------

async function fanout(kind: "postgres" | "pglite", total: number): Promise<void> {
  await withDatabase(kind, async ({ db }) => {
    const perAction = 1000;
    const actionsCount = Math.ceil(total / perAction);
    const now = new Date();
    const startsAt = new Date(now.getTime() + 24 * 3_600_000 - 30_000); // all 24 h reminders fall due this minute
    await db.execute(sql`
      insert into users (id, language, onboarded_at)
      select ${FIRST_CHAT} + i, case when i % 2 = 0 then 'kk' else 'ru' end, now() from generate_series(0, ${total - 1}) as i`);
    await db.execute(sql`
      insert into actions (title_kk, category, latitude, longitude, starts_at, ends_at, capacity, participants_count)
      select 'Акция ' || a, 'ecology', 43.2, 76.9, ${startsAt.toISOString()}::timestamptz,
             ${startsAt.toISOString()}::timestamptz + interval '3 hours', ${perAction}, ${perAction}
      from generate_series(1, ${actionsCount}) as a`);
    await db.execute(sql`
      insert into participations (action_id, user_id, status, created_at)
      select a.id, ${FIRST_CHAT} + (a.id - 1) * ${perAction} + p, 'joined', now() - interval '3 days'
      from actions a cross join generate_series(0, ${perAction - 1}) as p
      where (a.id - 1) * ${perAction} + p < ${total}`);
    await db.execute(sql`analyze`);
    const started = performance.now();
    const added = await db.transaction((tx) => actionReminders(tx, now));
    const elapsed = (performance.now() - started) / 1000;
    const again = await actionReminders(db, now);
    rows.push({
      what: `reminder fan-out: ${total.toLocaleString("en")} reminders due in one minute (${actionsCount} actions × ${perAction})`,
      database: kind === "postgres" ? "PostgreSQL" : "PGlite",
      messages: `${added.toLocaleString("en")} enqueued (re-run: ${again})`,
      time: `${elapsed.toFixed(2)} s`,
      throughput: `${Math.round(added / elapsed).toLocaleString("en")} rows/s`,
      target: `${elapsed <= 10 ? "meets" : "misses"} ≤ 10 s`,
      errors: "—",
    });
  });
}

async function main(): Promise<void> {
  const pglite = process.env.BENCH_DELIVERY_PGLITE === "1";
  console.error("delivery benchmark: reminder fan-out…");
  await fanout("postgres", FANOUT);
  if (pglite) await fanout("pglite", FANOUT);
  console.error("delivery benchmark: raw capacity…");
  await raw("postgres", RAW);
  if (pglite) await raw("pglite", Math.min(RAW, 5000));
  console.error(`delivery benchmark: sustained delivery (${WARMUP_S + WINDOW_S} s)…`);
  await sustained("postgres");
  console.error(`delivery benchmark: two instances (${WARMUP_S + Math.min(WINDOW_S, 20)} s)…`);
  await twoInstances();

  await printTable([
    ["what", "database", "messages", "time", "throughput", "target", "errors"],
    ...rows.map((r) => [r.what, r.database, r.messages, r.time, r.throughput, r.target, r.errors]),
  ]);
}

await main();
