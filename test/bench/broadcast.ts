/**
 * Broadcast benchmarks: `npx tsx test/bench/broadcast.ts` prints a markdown table.
 *
 * 1. Enqueue: a broadcast to 100,000 volunteers (all who joined the organization's 50 actions in the last 12 months;
 *    a fifth of them joined two, and 6,000 more are muted, blocked or without consent) — the broadcasts row and every
 *    outbox row in one INSERT … SELECT (`createBroadcast`), median and worst of 3 runs (target ≤ 5 s on PostgreSQL).
 * 2. Delivery: the same broadcast's rows (kind 'broadcast', text joined at claim) sent by the dispatcher to the fake
 *    Bot API enforcing the configured rate (and 1/s per chat), with the progress job running every 5 s as the
 *    scheduler runs it: messages per second over a window after a warm-up, 429 answers, and the progress edits
 *    (how many, how far apart, refused or not).
 *
 * PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://127.0.0.1:5432/test (a fresh database is
 * created and dropped). Knobs: BENCH_BROADCAST_RECIPIENTS (default 100000), BENCH_BROADCAST_WINDOW (seconds, default
 * 30), BENCH_BROADCAST_RATE (messages/s, default 30 like DELIVERY_RATE), BENCH_BROADCAST_TEXT_REPEAT (the text's
 * length in 75-character sentences, default 8), BENCH_BROADCAST_PGLITE=1 adds a PGlite enqueue row.
 */
import { sql } from "drizzle-orm";
import { Api } from "grammy";
import { renderOutboxButton } from "../../src/bot/outbox-buttons";
import { type Database, type DatabaseHandle, openDatabase, rowsOf } from "../../src/db/client";
import { Dispatcher } from "../../src/delivery/dispatcher";
import { broadcastProgress, createBroadcast, createBroadcastSql } from "../../src/domain/broadcasts";
import { createI18n } from "../../src/i18n";
import { createLogger } from "../../src/logger";
import { freshPostgresUrl } from "../support/delivery-fixtures";
import { median, printTable } from "./stats";
import { FIRST_CHAT, fakeTelegram } from "./telegram-child";

const POSTGRES_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://127.0.0.1:5432/test";
const RECIPIENTS = Number(process.env.BENCH_BROADCAST_RECIPIENTS ?? 100_000);
const WINDOW_S = Number(process.env.BENCH_BROADCAST_WINDOW ?? 30);
const RATE = Number(process.env.BENCH_BROADCAST_RATE ?? 30);
const WARMUP_S = 3;
const RUNS = 3;
const ACTIONS = 50;
/** The organizer: the fake knows users FIRST_CHAT … ORGANIZER. */
const ORGANIZER = FIRST_CHAT + RECIPIENTS;
/** About 600 characters, with characters to escape: a realistic announcement (BENCH_BROADCAST_TEXT_REPEAT × 75). */
const TEXT = "Ертең сағат 10:00-де <Абай> саябағында жиналамыз & қолғап әкеліңіз. ".repeat(
  Number(process.env.BENCH_BROADCAST_TEXT_REPEAT ?? 8),
);

const silent = createLogger("silent");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  what: string;
  database: string;
  rows: string;
  time: string;
  throughput: string;
  target: string;
  notes: string;
}
const rows: Row[] = [];

/** Volunteers, the organization, its actions and who joined them; returns the organization's id. */
async function seed(db: Database, recipients: number): Promise<number> {
  const extra = 6000;
  await db.execute(sql`
    insert into users (id, language, onboarded_at, consent_at, blocked_at, quiet_start_minute, quiet_end_minute)
    select ${FIRST_CHAT} + i, case when i % 2 = 0 then 'kk' else 'ru' end, now(),
      case when i >= ${recipients + 1 + 4000} then null else now() end,
      case when i >= ${recipients + 1 + 2000} and i < ${recipients + 1 + 4000} then now() end, 0, 0
    from generate_series(0, ${recipients + extra}::int) as i`);
  const [org] = rowsOf<{ id: number }>(
    await db.execute(sql`
      insert into organizations (name_kk, name_ru, status, owner_id) values ('Жасыл ел', 'Зелёная страна', 'approved', ${ORGANIZER})
      returning id`),
  );
  const orgId = Number(org!.id);
  await db.execute(
    sql`insert into organization_members (organization_id, user_id, role) values (${orgId}, ${ORGANIZER}, 'owner')`,
  );
  await db.execute(sql`
    insert into actions (organization_id, title_kk, category, latitude, longitude, starts_at, ends_at, participants_count)
    select ${orgId}, 'Акция ' || a, 'ecology', 43.2, 76.9, now() - (a || ' days')::interval,
      now() - (a || ' days')::interval + interval '3 hours', 0
    from generate_series(1, ${ACTIONS}::int) as a`);
  // Everyone (but the organizer) joined one action, a fifth a second one too; the first 2,000 of the extras muted.
  await db.execute(sql`
    insert into participations (action_id, user_id, status, created_at)
    select a.id, ${FIRST_CHAT} + i, 'joined', now() - interval '20 days'
    from generate_series(0, ${recipients + extra}::int) as i
    join actions a on a.organization_id = ${orgId} and a.title_kk = 'Акция ' || (1 + i % ${ACTIONS})
    where ${FIRST_CHAT} + i <> ${ORGANIZER}
    union all
    select a.id, ${FIRST_CHAT} + i, 'joined', now() - interval '10 days'
    from generate_series(0, ${recipients + extra}::int, 5) as i
    join actions a on a.organization_id = ${orgId} and a.title_kk = 'Акция ' || (1 + (i + 7) % ${ACTIONS})
    where ${FIRST_CHAT} + i <> ${ORGANIZER}`);
  await db.execute(sql`
    insert into organization_mutes (user_id, organization_id)
    select ${FIRST_CHAT} + i, ${orgId} from generate_series(${recipients + 1}::int, ${recipients + 2000}::int) as i`);
  await db.execute(sql`analyze`);
  return orgId;
}

const newBroadcast = (orgId: number, progressMessageId: number) => ({
  organizationId: orgId,
  createdBy: ORGANIZER,
  audience: { kind: "recent" as const, months: 12 as const },
  text: TEXT,
  progressChatId: ORGANIZER,
  progressMessageId,
  locale: "kk" as const,
});

async function enqueueRuns(kind: "postgres" | "pglite", handle: DatabaseHandle, recipients: number) {
  const { db } = handle;
  const orgId = await seed(db, recipients);
  if (process.env.BENCH_BROADCAST_EXPLAIN === "1") {
    await db
      .transaction(async (tx) => {
        const plan = rowsOf<Record<string, string>>(
          await tx.execute(sql`explain (analyze, buffers) ${createBroadcastSql(newBroadcast(orgId, 999), new Date())}`),
        );
        console.error(plan.map((r) => Object.values(r)[0]).join("\n"));
        tx.rollback();
      })
      .catch(() => {});
  }
  const times: number[] = [];
  let total = 0;
  const reference: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    // The floor on this machine at this moment: as many outbox rows with a constant payload, no audience query.
    const refStarted = performance.now();
    await db.execute(sql`
      insert into outbox (chat_id, kind, payload, priority, not_before, idempotency_key, batch)
      select ${FIRST_CHAT} + i, 'message', '{"text": "x"}'::jsonb, 1, now(), ${`ref${run}:`}::text || i, ${`ref${run}`}::text
      from generate_series(1, ${recipients}::int) as i`);
    reference.push((performance.now() - refStarted) / 1000);
    const started = performance.now();
    const made = await db.transaction((tx) => createBroadcast(tx, newBroadcast(orgId, 1_000_000 + run), new Date()));
    times.push((performance.now() - started) / 1000);
    total = made.total;
  }
  const [outboxRows] = rowsOf<{ n: string | number }>(await db.execute(sql`select count(*) as n from outbox`));
  const worst = Math.max(...times);
  rows.push({
    what: `enqueue a broadcast to ${recipients.toLocaleString("en")} volunteers (one INSERT … SELECT: audience, dedupe, mutes, blocked, consent)`,
    database: kind === "postgres" ? "PostgreSQL" : "PGlite",
    rows: `${total.toLocaleString("en")} per run (${Number(outboxRows!.n).toLocaleString("en")} after ${RUNS} runs)`,
    time: `median ${median(times).toFixed(2)} s, worst ${worst.toFixed(2)} s`,
    throughput: `${Math.round(total / median(times)).toLocaleString("en")} rows/s`,
    target: kind === "postgres" ? `${worst <= 5 ? "meets" : "misses"} ≤ 5 s` : "—",
    notes: total === recipients ? "exactly the reachable, each once" : `expected ${recipients}!`,
  });
  rows.push({
    what: `reference: ${recipients.toLocaleString("en")} plain outbox rows from generate_series (same indexes, no audience)`,
    database: kind === "postgres" ? "PostgreSQL" : "PGlite",
    rows: recipients.toLocaleString("en"),
    time: `median ${median(reference).toFixed(2)} s`,
    throughput: `${Math.round(recipients / median(reference)).toLocaleString("en")} rows/s`,
    target: `the broadcast takes ${(median(times) / median(reference)).toFixed(2)}× this`,
    notes: "runs alternate with the broadcast's",
  });
  return orgId;
}

async function delivery(handle: DatabaseHandle, orgId: number): Promise<void> {
  const { db } = handle;
  await db.execute(sql`delete from outbox`);
  await db.execute(sql`delete from broadcasts`);
  const telegram = await fakeTelegram({
    users: RECIPIENTS + 1,
    rateLimit: { globalPerSecond: RATE, perChatPerSecond: 1 },
  });
  const api = new Api(telegram.token, { apiRoot: telegram.apiRoot });
  const progress = await api.sendMessage(ORGANIZER, "📣 …");
  await createBroadcast(db, newBroadcast(orgId, progress.message_id), new Date());
  const dispatcher = new Dispatcher({
    db,
    api,
    i18n: await createI18n(),
    logger: silent,
    buttons: renderOutboxButton,
    ratePerSecond: RATE,
  });
  dispatcher.start();
  // The scheduler's job, every 5 s.
  let running = true;
  const job = (async () => {
    while (running) {
      if (process.env.BENCH_BROADCAST_NO_PROGRESS !== "1")
        await db.transaction((tx) => broadcastProgress(tx, new Date()));
      await sleep(5000);
    }
  })();
  const methods = ["sendMessage", "editMessageText"];
  await sleep(WARMUP_S * 1000);
  const warmup = await telegram.sends(methods);
  const from = Date.now();
  await sleep(WINDOW_S * 1000);
  const window = await telegram.sends(methods);
  const to = Date.now();
  running = false;
  await job;
  await dispatcher.stop();
  await telegram.stop();
  const editErrors = rowsOf<{ last_error: string | null; n: string | number }>(
    await db.execute(
      sql`select last_error, count(*) as n from outbox where batch like 'bcp:%' and state = 'dead' group by 1`,
    ),
  );
  if (editErrors.length > 0) console.error("progress edits refused:", editErrors);
  const of = (method: string) => window.codes.filter((_, i) => window.methods[i] === method);
  const sent = of("sendMessage").filter((code) => code === 200).length;
  const limited = window.codes.filter((code) => code === 429).length;
  const edits = window.at.filter((_, i) => window.methods[i] === "editMessageText");
  const gaps = edits.slice(1).map((at, i) => (at - edits[i]!) / 1000);
  const rate = sent / ((to - from) / 1000);
  rows.push({
    what: `deliver a ${RECIPIENTS.toLocaleString("en")}-volunteer broadcast, fake Telegram limited to ${RATE}/s and 1/s per chat, progress job every 5 s`,
    database: "PostgreSQL",
    rows: `${sent} sent in the window`,
    time: `${WINDOW_S} s after ${WARMUP_S} s warm-up`,
    throughput: `${rate.toFixed(2)} msg/s`,
    target: `${((rate / RATE) * 100).toFixed(1)}% of ${RATE}/s (target ≥ 98%); with the edits ${(((sent + edits.length) / ((to - from) / 1000) / RATE) * 100).toFixed(1)}%`,
    notes:
      `${limited} × 429 in the window (warm-up: ${warmup.codes.filter((code) => code === 429).length}); ` +
      `${edits.length} progress edits, ${gaps.length ? `${Math.min(...gaps).toFixed(1)}–${Math.max(...gaps).toFixed(1)} s apart` : "—"}, ` +
      `${of("editMessageText").filter((code) => code !== 200).length} refused`,
  });
}

async function main(): Promise<void> {
  console.error(`broadcast benchmark: enqueue ${RECIPIENTS} × ${RUNS} on PostgreSQL…`);
  const fresh = await freshPostgresUrl(POSTGRES_URL);
  const handle = await openDatabase({ url: fresh.url, max: 10 });
  try {
    const orgId = await enqueueRuns("postgres", handle, RECIPIENTS);
    console.error(`broadcast benchmark: delivery (${WARMUP_S + WINDOW_S} s)…`);
    await delivery(handle, orgId);
  } finally {
    await handle.close();
    await fresh.drop();
  }
  if (process.env.BENCH_BROADCAST_PGLITE === "1") {
    console.error("broadcast benchmark: enqueue on PGlite…");
    const pglite = await openDatabase({});
    await pglite.migrate();
    try {
      await enqueueRuns("pglite", pglite, RECIPIENTS);
    } finally {
      await pglite.close();
    }
  }
  await printTable([
    ["what", "database", "rows", "time", "throughput", "target", "notes"],
    ...rows.map((r) => [r.what, r.database, r.rows, r.time, r.throughput, r.target, r.notes]),
  ]);
}

await main();
