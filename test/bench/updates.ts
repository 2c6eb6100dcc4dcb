/**
 * npm run bench:updates — updates handled per second through the whole stack (fake Bot API → runner → middleware →
 * database → reply), for returning users going from the main menu to "My hours" and back, on PGlite and on PostgreSQL, beside a
 * bare grammY bot that only answers the button (the ceiling).
 *
 * Before the throughput runs, the same app without its outbox dispatcher and scheduler (whose polling would be counted
 * too) answers STATEMENT_PRESSES presses of each kind one at a time, and the SQL statements each one sent are counted.
 *
 * BENCH_DATABASE_URL (or TEST_DATABASE_URL) names the PostgreSQL server; a fresh database is created there.
 * BENCH_POOL sets its pool (default: the app's, DEFAULT_POOL_SIZE). BENCH_ROUNDS measured rounds (5) follow one round
 * of each contender that is not counted (warm-up). BENCH_ONLY=pglite|postgres runs one database only; BENCH_PROFILE=<dir> writes a CPU profile and a sampled
 * allocation profile (garbage-collected objects included) of Erikti's throughput rounds (one of each per database,
 * for Chrome DevTools or speedscope).
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { run } from "@grammyjs/runner";
import { Bot } from "grammy";
import { startApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { directJsonCalls } from "../../src/delivery/reply-rate";
import { type DatabaseHandle, DEFAULT_POOL_SIZE } from "../../src/db/client";
import { completeOnboarding, touchUser } from "../../src/domain/users";
import { createLogger } from "../../src/logger";
import { type FreshDatabaseOptions, openFreshPostgres, openFreshPglite } from "../support/db";
import { BotApiEmulator } from "../support/fake-telegram";
import { printProfileAreas } from "./profile-areas";
import { percentile, median } from "./stats";

const USERS = Number(process.env.BENCH_USERS ?? 200);
const PRESSES = Number(process.env.BENCH_PRESSES ?? 4000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 10);
const LATENCY_PRESSES = Number(process.env.BENCH_LATENCY_PRESSES ?? 2000);
const STATEMENT_PRESSES = Number(process.env.BENCH_STATEMENT_PRESSES ?? 50);
/** A returning user's button press may cost at most this many SQL statements. */
const STATEMENT_TARGET = 3;
const ONLY = process.env.BENCH_ONLY;
const PROFILE_DIR = process.env.BENCH_PROFILE;
const POSTGRES_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://127.0.0.1:5432/test";

interface Measurement {
  throughput: number;
  /** CPU time of this process (all its threads) per wall-clock time during the burst: 100% = one core busy. */
  cpu: number;
  p50: number;
  p95: number;
}

/** SQL statements per handled press, by the button pressed. */
type StatementCounts = Map<string, number[]>;

/**
 * Rejections the benchmark tolerates (counted and printed); any other one fails it. A burst puts a user's presses in
 * the queue at once, each carrying the message as it was then: a press handled after an earlier one changed the
 * screen may find the screen it leads to already shown, and Telegram (the fake) answers "message is not modified",
 * which the bot takes as done (TELEGRAM.md). A press whose update failed or whose answer was sent twice after a lost
 * connection gets "query is too old" on the second answer; it is counted, and a failed update is logged.
 */
const TOLERATED = ["message is not modified", "query is too old"];

/**
 * Two phases over the same chats: a burst of PRESSES button presses (throughput at saturation), then a closed loop
 * of CONCURRENT users who each press again as soon as the bot has answered (latency push → handled under load).
 */
async function measure(
  emulator: BotApiEmulator,
  handled: (cb: (id: number) => void) => void,
  menus: Map<number, number>,
  buttonFor: (userId: number) => string,
) {
  const userIds = [...menus.keys()];
  const press = (userId: number) => emulator.pressButton(userId, menus.get(userId)!, buttonFor(userId)).update_id;

  let done = 0;
  let finish!: () => void;
  let finished = new Promise<void>((r) => (finish = r));
  handled(() => {
    if (++done === PRESSES) finish();
  });
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < PRESSES; i++) press(userIds[i % userIds.length]!);
  await finished;
  const elapsed = performance.now() - started;
  const { user, system } = process.cpuUsage(cpuBefore);
  const throughput = PRESSES / (elapsed / 1000);
  const cpu = (user + system) / 1000 / elapsed;

  const latencies: number[] = [];
  const pending = new Map<number, { userId: number; at: number }>();
  finished = new Promise<void>((r) => (finish = r));
  const next = (userId: number) => pending.set(press(userId), { userId, at: performance.now() });
  handled((id) => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    latencies.push(performance.now() - entry.at);
    if (latencies.length + pending.size < LATENCY_PRESSES) next(entry.userId);
    else if (pending.size === 0) finish();
  });
  for (const userId of userIds.slice(0, CONCURRENT)) next(userId);
  await finished;
  latencies.sort((a, b) => a - b);
  return { throughput, cpu, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

interface Contender {
  /** One throughput and latency measurement. */
  round(): Promise<Measurement>;
  stop(): Promise<void>;
}

async function prepareErikti(
  database: DatabaseHandle,
  statements: { onQuery?: () => void },
): Promise<Contender & { counts: StatementCounts; profile(): Promise<void>; tolerated(): string }> {
  const emulator = await BotApiEmulator.start();
  let listener: (id: number) => void = () => {};
  const start = (delivery?: false) =>
    startApp(loadConfig({ BOT_TOKEN: emulator.token, TELEGRAM_API_ROOT: emulator.apiRoot }), {
      database: { ...database, close: async () => {} }, // closed by main()
      botInfo: emulator.botInfo,
      pollTimeout: 1,
      logger: createLogger(process.env.BENCH_LOG_LEVEL ?? "error"), // a failed update is worth seeing
      onHandled: (id) => listener(id),
      delivery,
    });
  let app = await start(false);
  const menus = new Map<number, number>();
  for (let i = 0; i < USERS; i++) {
    const id = 8_000_000_000 + i;
    emulator.addUser({ id, first_name: `Volunteer ${i}`, language_code: i % 2 ? "kk" : "ru" });
    await touchUser(database.db, id, false);
    await completeOnboarding(database.db, id, {
      language: i % 2 ? "kk" : "ru",
      regionCode: "almaty",
      interests: ["ecology"],
      consent: true,
      profile: { firstName: `Volunteer ${i}` },
    });
    emulator.sendText(id, "/start"); // returning user: the main menu
  }
  await waitFor(() => [...Array(USERS).keys()].every((i) => emulator.lastBotMessage(8_000_000_000 + i)?.reply_markup));
  for (let i = 0; i < USERS; i++) menus.set(8_000_000_000 + i, emulator.lastBotMessage(8_000_000_000 + i)!.message_id);
  const navigate = alternating();

  // Statements per press: one press at a time, so every statement sent meanwhile belongs to it.
  const counts: StatementCounts = new Map();
  for (const userId of [...menus.keys()].slice(0, STATEMENT_PRESSES)) {
    for (let i = 0; i < 2; i++) {
      const button = navigate(userId);
      let sent = 0;
      statements.onQuery = () => sent++;
      await new Promise<void>((resolve) => {
        const id = emulator.pressButton(userId, menus.get(userId)!, button).update_id;
        listener = (handled) => handled === id && resolve();
      });
      statements.onQuery = undefined;
      counts.set(button, [...(counts.get(button) ?? []), sent]);
    }
  }
  await app.stop();

  // Throughput and latency: the whole app, its outbox dispatcher and scheduler included.
  app = await start();
  const round = () => measure(emulator, (cb) => (listener = cb), menus, navigate);
  return {
    counts,
    round,
    /** Two more rounds (BENCH_PROFILE): one under the CPU profiler, one under the allocation sampler. */
    async profile() {
      const profiler = new Session();
      profiler.connect();
      await profiler.post("Profiler.enable");
      await profiler.post("Profiler.start");
      await round();
      const { profile } = await profiler.post("Profiler.stop");
      await profiler.post("HeapProfiler.enable");
      await profiler.post("HeapProfiler.startSampling", {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      await round();
      const heap = await profiler.post("HeapProfiler.stopSampling");
      profiler.disconnect();
      writeFileSync(join(PROFILE_DIR!, `erikti-${database.kind}.heapprofile`), JSON.stringify(heap.profile));
      const file = join(PROFILE_DIR!, `erikti-${database.kind}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      console.log(`\nWhere the time goes on ${database.kind} (CPU profile of a throughput round, ${file}):`);
      printProfileAreas(profile);
    },
    tolerated() {
      const counted = TOLERATED.map(
        (text) => [text, emulator.failed().filter((c) => c.error?.description.includes(text)).length] as const,
      );
      return counted.map(([text, n]) => `${n} × "${text}"`).join(", ");
    },
    async stop() {
      await app.stop();
      await emulator.close();
      const rejected = emulator.failed().filter((c) => !TOLERATED.some((text) => c.error?.description.includes(text)));
      if (rejected.length) {
        throw new Error(
          `${rejected.length} requests were rejected by the fake Bot API:\n${[...new Set(rejected.map((c) => `${c.method}: ${c.error?.description}`))].join("\n")}`,
        );
      }
    },
  };
}

function statementSummary(counts: StatementCounts): string {
  return [...counts]
    .map(([button, sent]) => {
      const sorted = [...sent].sort((a, b) => a - b);
      return `${button} min ${sorted[0]} / median ${median(sorted)} / max ${sorted.at(-1)}`;
    })
    .join("; ");
}

/**
 * A bare grammY bot (no database, no middleware): the ceiling answers the button only; with `edit` it also edits the
 * pressed message, alternating between two screens as Erikti does, so it makes the same two Bot API calls a press;
 * with `eriktiClient` it makes them through Erikti's HTTP client, so what is left between it and Erikti is Erikti's own.
 */
async function prepareBareGrammy({ edit = false, eriktiClient = false } = {}): Promise<Contender> {
  const emulator = await BotApiEmulator.start();
  const bot = new Bot(emulator.token, { client: { apiRoot: emulator.apiRoot }, botInfo: emulator.botInfo as never });
  // The HTTP client Erikti's bot uses (undici beneath grammY's transformers) instead of grammY's own.
  if (eriktiClient) bot.api.config.use(directJsonCalls(emulator.token, { apiRoot: emulator.apiRoot }));
  let listener: (id: number) => void = () => {};
  bot.use(async (ctx, next) => {
    await next();
    listener(ctx.update.update_id);
  });
  bot.on("callback_query", async (ctx) => {
    await ctx.answerCallbackQuery();
    if (!edit) return;
    const keyboard = {
      inline_keyboard: [
        [
          { text: "⏱", callback_data: "m:hours" },
          { text: "🏠", callback_data: "m:home" },
        ],
      ],
    };
    // "message is not modified" (a burst's stale presses, as for Erikti) is let go here too.
    await ctx
      .editMessageText(ctx.callbackQuery.data === "m:hours" ? "hours" : "menu", { reply_markup: keyboard })
      .catch(() => {});
  });
  bot.command("start", (ctx) =>
    ctx.reply("menu", { reply_markup: { inline_keyboard: [[{ text: "x", callback_data: "m:hours" }]] } }),
  );
  const runner = run(bot, { runner: { fetch: { timeout: 1 } } });
  const menus = new Map<number, number>();
  for (let i = 0; i < USERS; i++) {
    emulator.addUser({ id: 9_000_000_000 + i, first_name: `U${i}` });
    emulator.sendText(9_000_000_000 + i, "/start");
  }
  await waitFor(() => [...Array(USERS).keys()].every((i) => emulator.lastBotMessage(9_000_000_000 + i)));
  for (let i = 0; i < USERS; i++) menus.set(9_000_000_000 + i, emulator.lastBotMessage(9_000_000_000 + i)!.message_id);
  const navigate = alternating();
  return {
    round: () => measure(emulator, (cb) => (listener = cb), menus, edit ? navigate : () => "m:hours"),
    async stop() {
      await runner.stop();
      await emulator.close();
    },
  };
}

/** Each user goes menu → "My hours" → back → "My hours"…, a counter per user. */
function alternating(): (userId: number) => string {
  const presses = new Map<number, number>();
  return (userId) => {
    const n = presses.get(userId) ?? 0;
    presses.set(userId, n + 1);
    return n % 2 === 0 ? "m:hours" : "m:home";
  };
}

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("warm-up did not finish");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A row of the table. `ceiling` holds the bare bot's rounds, each run just before the row's round of the same index:
 * the ratio is the median of the rounds' ratios, so a slower or faster moment of a shared machine weighs on both.
 */
function row(name: string, database: string, results: Measurement[], ceiling?: Measurement[]): string {
  const throughput = median(results.map((r) => r.throughput));
  const ratio = ceiling && median(results.map((r, i) => r.throughput / ceiling[i]!.throughput));
  const cells = [
    name,
    database,
    `${USERS} chats; burst of ${PRESSES}; ${CONCURRENT} concurrent for latency; × ${ROUNDS}`,
    `${throughput.toFixed(0)} updates/s`,
    `${median(results.map((r) => r.p50)).toFixed(1)} ms`,
    `${median(results.map((r) => r.p95)).toFixed(1)} ms`,
    ratio ? `${(ratio * 100).toFixed(0)}% of bare grammY` : "ceiling",
    `${(median(results.map((r) => r.cpu)) * 100).toFixed(0)}%`,
  ];
  return `| ${cells.join(" | ")} |`;
}

async function main() {
  console.log(`Node ${process.version}, ${new Date().toISOString()}`);
  const bare = await prepareBareGrammy();
  // Not the ceiling: the same two Bot API calls a press as Erikti (answer + edit), by grammY's client and by Erikti's.
  const bareEditing = await prepareBareGrammy({ edit: true });
  const bareEditingErikti = await prepareBareGrammy({ edit: true, eriktiClient: true });
  const kinds = [
    { name: "pglite", open: openFreshPglite },
    {
      name: "postgres",
      open: (options: FreshDatabaseOptions) =>
        openFreshPostgres(POSTGRES_URL, { ...options, max: Number(process.env.BENCH_POOL ?? DEFAULT_POOL_SIZE) }),
    },
  ];
  const rows: string[] = [];
  const statementLines: string[] = [];
  const contenders: Array<{
    name: string;
    erikti: Awaited<ReturnType<typeof prepareErikti>>;
    database: DatabaseHandle;
  }> = [];
  for (const kind of kinds) {
    if (ONLY && kind.name !== ONLY) continue;
    const statements: { onQuery?: () => void } = {};
    let database: DatabaseHandle;
    try {
      database = await kind.open({ onQuery: () => statements.onQuery?.() });
    } catch (error) {
      rows.push(`| Erikti: menu ⇄ My hours | ${kind.name} | skipped: ${(error as Error).message} | | | | | |`);
      continue;
    }
    contenders.push({ name: kind.name, erikti: await prepareErikti(database, statements), database });
  }

  // One round each that is not counted: the first burst of a contender runs code V8 has not optimized for it yet.
  await bare.round();
  await bareEditing.round();
  await bareEditingErikti.round();
  for (const { erikti } of contenders) await erikti.round();
  // The rounds take turns (bare, bare editing, Erikti on each database; again…), so each of Erikti's rounds has a
  // round of the bare bot run just before it.
  const results = {
    bare: [] as Measurement[],
    bareEditing: [] as Measurement[],
    bareEditingErikti: [] as Measurement[],
    erikti: new Map<string, Measurement[]>(),
  };
  for (let round = 0; round < ROUNDS; round++) {
    results.bare.push(await bare.round());
    results.bareEditing.push(await bareEditing.round());
    results.bareEditingErikti.push(await bareEditingErikti.round());
    for (const { name, erikti } of contenders)
      results.erikti.set(name, [...(results.erikti.get(name) ?? []), await erikti.round()]);
  }
  await bare.stop();
  await bareEditing.stop();
  await bareEditingErikti.stop();
  rows.unshift(
    row("bare grammY (answers the button)", "—", results.bare),
    row("bare grammY answering and editing (Erikti's Bot API calls)", "—", results.bareEditing, results.bare),
    row(
      "the same through Erikti's HTTP client (directJsonCalls, undici)",
      "—",
      results.bareEditingErikti,
      results.bare,
    ),
  );
  for (const { name, erikti, database } of contenders) {
    try {
      if (PROFILE_DIR) await erikti.profile();
      const measured = results.erikti.get(name)!;
      rows.push(row("Erikti: menu ⇄ My hours (returning user)", name, measured, results.bare));
      const counts = erikti.counts;
      const worst = (button: string) => Math.max(...(counts.get(button) ?? [Number.NaN]));
      const met = worst("m:hours") <= STATEMENT_TARGET && worst("m:home") <= STATEMENT_TARGET;
      statementLines.push(
        `SQL statements per update on ${name} (${STATEMENT_PRESSES} presses each): ${statementSummary(counts)}`,
        `statements per press: m:hours ${worst("m:hours")}, m:home ${worst("m:home")} (target ≤ ${STATEMENT_TARGET}) ${met ? "✓" : "✗ MISSED"}`,
        `rounds on ${name}, Erikti vs the bare bot just before: ${measured.map((r, i) => `${r.throughput.toFixed(0)}/${results.bare[i]!.throughput.toFixed(0)} = ${((100 * r.throughput) / results.bare[i]!.throughput).toFixed(0)}%`).join(", ")}`,
        `tolerated Bot API rejections on ${name}: ${erikti.tolerated()}`,
      );
      await erikti.stop();
    } finally {
      await database.close();
    }
  }
  console.log(
    "\n| what | database | load | median throughput (burst) | p50 latency | p95 latency | throughput vs the bare bot (median of the rounds' ratios) | node CPU in the burst |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const line of rows) console.log(line);
  console.log("");
  for (const line of statementLines) console.log(line);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
