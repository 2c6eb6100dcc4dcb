/**
 * npx tsx test/bench/join.ts — join throughput under contention on PostgreSQL (issue 3): joinAction decides every
 * join under the action's row lock, so concurrent joins of ONE action queue behind each other, while joins spread
 * over MANY actions proceed in parallel. Baseline: the same joins one at a time (no contention, one connection busy).
 *
 * Knobs: BENCH_JOIN_JOINS (joins per round, default 1000), BENCH_JOIN_CAPACITY (50), BENCH_JOIN_ACTIONS (actions in
 * the "many" case, 200), BENCH_JOIN_ROUNDS (3). The pool has 20 connections (test/support/db.ts). PostgreSQL:
 * BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://127.0.0.1:5432/test (a fresh database, dropped after).
 */
import { cpus, loadavg } from "node:os";
import { sql } from "drizzle-orm";
import type { Database } from "../../src/db/client";
import { actions } from "../../src/db/schema";
import { type JoinResult, joinAction } from "../../src/domain/participation";
import { openFreshPostgres } from "../support/db";
import { percentile, median } from "./stats";

const JOINS = Number(process.env.BENCH_JOIN_JOINS ?? 1000);
const CAPACITY = Number(process.env.BENCH_JOIN_CAPACITY ?? 50);
const MANY = Number(process.env.BENCH_JOIN_ACTIONS ?? 200);
const ROUNDS = Number(process.env.BENCH_JOIN_ROUNDS ?? 3);
const POSTGRES_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://127.0.0.1:5432/test";
const FIRST_USER = 9_100_000_000;

interface Round {
  perSecond: number;
  p50: number;
  p95: number;
}

async function createActions(db: Database, count: number): Promise<number[]> {
  const startsAt = new Date(Date.now() + 7 * 86_400_000);
  const rows = Array.from({ length: count }, (_, i) => ({
    titleRu: `Bench action ${i}`,
    category: "ecology",
    latitude: 43.238,
    longitude: 76.9452,
    startsAt,
    endsAt: new Date(startsAt.getTime() + 3 * 3_600_000),
    capacity: CAPACITY,
  }));
  return (await db.insert(actions).values(rows).returning({ id: actions.id })).map((r) => r.id);
}

/** Runs the joins, all at once (the pool queues them) or one after another; checks the outcome against capacity. */
async function run(
  db: Database,
  pairs: Array<[actionId: number, userId: number]>,
  concurrent: boolean,
): Promise<Round> {
  const latencies: number[] = [];
  const one = async ([actionId, userId]: [number, number]): Promise<JoinResult> => {
    const started = performance.now();
    const result = await joinAction(db, actionId, userId);
    latencies.push(performance.now() - started);
    return result;
  };
  const started = performance.now();
  const results: JoinResult[] = [];
  if (concurrent) results.push(...(await Promise.all(pairs.map(one))));
  else for (const pair of pairs) results.push(await one(pair));
  const seconds = (performance.now() - started) / 1000;

  const perAction = new Map<number, { joined: number; positions: number[] }>();
  pairs.forEach(([actionId], i) => {
    const entry = perAction.get(actionId) ?? { joined: 0, positions: [] };
    const result = results[i]!;
    if (result.status === "joined") entry.joined++;
    else if (result.status === "waitlisted") entry.positions.push(result.position);
    else throw new Error(`join refused: ${result.reason}`);
    perAction.set(actionId, entry);
  });
  for (const [actionId, { joined, positions }] of perAction) {
    const expectedJoined = Math.min(CAPACITY, joined + positions.length);
    const ordered = [...positions].sort((a, b) => a - b);
    if (joined !== expectedJoined || ordered.some((p, i) => p !== i + 1))
      throw new Error(`action ${actionId}: ${joined} joined, waitlist positions ${ordered.join(",")}`);
  }
  latencies.sort((a, b) => a - b);
  return { perSecond: pairs.length / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

async function main() {
  console.log(
    `Node ${process.version}, ${new Date().toISOString()}, ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  const database = await openFreshPostgres(POSTGRES_URL);
  const db = database.db;
  try {
    await db.execute(sql`
      insert into users (id, language, region_code, consent_at, onboarded_at)
      select ${FIRST_USER}::bigint + g, 'kk', 'almaty', now(), now() from generate_series(0, ${JOINS - 1}) g`);
    const users = Array.from({ length: JOINS }, (_, i) => FIRST_USER + i);

    const cases: Array<{ what: string; concurrent: boolean; actionCount: number }> = [
      { what: `${JOINS} joins of ONE action (capacity ${CAPACITY}), all at once`, concurrent: true, actionCount: 1 },
      {
        what: `${JOINS} joins over ${MANY} actions (capacity ${CAPACITY}), all at once`,
        concurrent: true,
        actionCount: MANY,
      },
      { what: `baseline: ${JOINS} joins over ${MANY} actions, one at a time`, concurrent: false, actionCount: MANY },
    ];
    const table: string[] = [];
    let baseline = 0;
    const measured: Array<{ what: string; rounds: Round[] }> = [];
    for (const c of cases) {
      const rounds: Round[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const ids = await createActions(db, c.actionCount);
        // Every user joins one action; in the "many" case users are dealt round-robin over the actions.
        const pairs = users.map((userId, i) => [ids[i % ids.length]!, userId] as [number, number]);
        rounds.push(await run(db, pairs, c.concurrent));
      }
      measured.push({ what: c.what, rounds });
      if (!c.concurrent) baseline = median(rounds.map((r) => r.perSecond));
    }
    for (const { what, rounds } of measured) {
      const perSecond = median(rounds.map((r) => r.perSecond));
      const cells = [
        what,
        "PostgreSQL (pool of 20)",
        `${perSecond.toFixed(0)} joins/s`,
        `${median(rounds.map((r) => r.p50)).toFixed(1)} ms`,
        `${median(rounds.map((r) => r.p95)).toFixed(1)} ms`,
        what.startsWith("baseline") ? "baseline" : `${(perSecond / baseline).toFixed(1)}×`,
      ];
      table.push(`| ${cells.join(" | ")} |`);
    }
    console.log(
      `\nMedian of ${ROUNDS} rounds; every round checked: never more joined than capacity, waitlist positions 1..n.`,
    );
    console.log("| what | database | throughput | p50 latency | p95 latency | vs one at a time |");
    console.log("|---|---|---|---|---|---|");
    for (const line of table) console.log(line);
  } finally {
    await database.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
