/**
 * npx tsx test/bench/nearby.ts — nearby search latency (issue 3): findNearbyActions (KNN over the GiST index on
 * ll_to_earth) with 100,000 actions on PGlite and 1,000,000 on PostgreSQL, beside a naive full-scan haversine query
 * on the same data (the baseline). Target: p95 under 5 ms at 1,000,000 actions on PostgreSQL. Issue 10: the list with
 * several categories, a period and a radius, and its count, p95 at most 10 ms there; the typed-place lookup (in memory)
 * under 5 ms p95. BENCH_NEARBY_EXPLAIN=1 prints the plans of the issue-10 list and count.
 *
 * Knobs: BENCH_NEARBY_PGLITE_ROWS, BENCH_NEARBY_POSTGRES_ROWS, BENCH_NEARBY_QUERIES, BENCH_NEARBY_BASELINE_QUERIES,
 * BENCH_NEARBY_DATABASES (e.g. "postgres"). PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else
 * postgres://127.0.0.1:5432/test (a fresh database is created there and dropped afterwards).
 */
import { cpus, loadavg } from "node:os";
import { sql } from "drizzle-orm";
import { type Database, type DatabaseHandle, rowsOf } from "../../src/db/client";
import {
  COUNT_CAP,
  countNearbyActions,
  countNearbyQuery,
  findNearbyActions,
  nearbyActionsQuery,
} from "../../src/domain/actions";
import type { Category } from "../../src/domain/categories";
import { kzPlaces } from "../../src/domain/places";
import { openFreshPostgres, openFreshPglite } from "../support/db";
import { percentile } from "./stats";

const ROWS = {
  pglite: Number(process.env.BENCH_NEARBY_PGLITE_ROWS ?? 100_000),
  postgres: Number(process.env.BENCH_NEARBY_POSTGRES_ROWS ?? 1_000_000),
};
const QUERIES = Number(process.env.BENCH_NEARBY_QUERIES ?? 1000);
const BASELINE_QUERIES = Number(process.env.BENCH_NEARBY_BASELINE_QUERIES ?? 30);
const WARMUP = 50;
const DATABASES = (process.env.BENCH_NEARBY_DATABASES ?? "pglite,postgres").split(",").map((s) => s.trim());
const POSTGRES_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://127.0.0.1:5432/test";

/** Share of actions per region: the three big cities get more, like the real country. */
const REGION_WEIGHT: Record<string, number> = { almaty: 6, astana: 5, shymkent: 3 };

interface Point {
  latitude: number;
  longitude: number;
}

/** mulberry32, so every run asks the same questions. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Synthetic actions in one INSERT … SELECT: regions by weight; 70% within ~8 km of the center, the rest across
 * ~150 km of the region; starts from 5 days ago to 45 days ahead; 90% published, 5% cancelled, 5% drafts.
 */
async function generate(db: Database, count: number): Promise<void> {
  const weights = sql.raw(
    Object.entries(REGION_WEIGHT)
      .map(([code, w]) => `when '${code}' then ${w}`)
      .join(" "),
  );
  await db.transaction(async (tx) => {
    await tx.execute(sql`select setseed(0.42)`);
    await tx.execute(sql`
      insert into organizations (name_ru, region_code, status)
      select 'Organization ' || g, (select code from regions order by position offset g % 20 limit 1), 'approved'
      from generate_series(1, 2000) g`);
    await tx.execute(sql`
      with weighted as (
        select r.code, r.latitude, r.longitude, row_number() over (order by r.position, k) - 1 as slot
        from regions r cross join lateral generate_series(1, case r.code ${weights} else 1 end) k
      ),
      slots as (select count(*) as n from weighted),
      spread as (
        select g, w.code, w.latitude, w.longitude,
               case when random() < 0.7 then 0.08 else 1.4 end * sqrt(random()) as radius,
               2 * pi() * random() as bearing,
               random() as day, random() as kind
        from generate_series(1, ${count}) g
        cross join slots
        join weighted w on w.slot = g % slots.n
      )
      insert into actions (organization_id, title_ru, category, region_code, latitude, longitude, starts_at, ends_at,
                           capacity, participants_count, hours, status)
      select 1 + g % 2000, 'Action ' || g,
             (array['ecology','social','health','education','culture','emergency','seniors','animals','sport','other'])[1 + g % 10],
             code,
             latitude + radius * cos(bearing),
             longitude + radius * sin(bearing) / cos(radians(latitude)),
             now() + (day * 50 - 5) * interval '1 day',
             now() + (day * 50 - 5) * interval '1 day' + interval '3 hours',
             5 + g % 96, (g * 7) % (5 + g % 96), 1 + g % 8,
             case when kind < 0.9 then 'published' when kind < 0.95 then 'cancelled' else 'draft' end
      from spread`);
  });
  await db.execute(sql`analyze`);
}

/** The naive baseline: the haversine distance of every upcoming published action, then the nearest five. */
async function haversineScan(db: Database, p: Point): Promise<number[]> {
  const result = await db.execute(sql`
    select a.id, o.name_ru
    from actions a left join organizations o on o.id = a.organization_id
    where a.status = 'published' and a.starts_at > now()
    order by 2 * 6371 * asin(sqrt(
      power(sin(radians(a.latitude - ${p.latitude}::float8) / 2), 2) +
      cos(radians(${p.latitude}::float8)) * cos(radians(a.latitude)) * power(sin(radians(a.longitude - ${p.longitude}::float8) / 2), 2)
    )), a.id
    limit 5 offset 0`);
  return rowsOf<{ id: number }>(result).map((r) => Number(r.id));
}

async function queryPoints(db: Database, count: number): Promise<Point[]> {
  const centers = rowsOf<{ code: string; latitude: number; longitude: number }>(
    await db.execute(sql`select code, latitude, longitude from regions order by position`),
  );
  const bag = centers.flatMap((c) => Array<typeof c>(REGION_WEIGHT[c.code] ?? 1).fill(c));
  const random = prng(7);
  return Array.from({ length: count }, () => {
    const c = bag[Math.floor(random() * bag.length)]!;
    // Within ~10 km of the center: where people are.
    return { latitude: c.latitude + (random() - 0.5) * 0.18, longitude: c.longitude + (random() - 0.5) * 0.25 };
  });
}

async function time(points: Point[], run: (p: Point) => Promise<unknown>): Promise<{ median: number; p95: number }> {
  const latencies: number[] = [];
  for (const p of points) {
    const started = performance.now();
    await run(p);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  return { median: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

async function bench(name: string, database: DatabaseHandle, count: number): Promise<string[]> {
  const db = database.db;
  const generatedIn = performance.now();
  await generate(db, count);
  const seconds = ((performance.now() - generatedIn) / 1000).toFixed(1);
  console.log(`${name}: ${count.toLocaleString("en")} actions generated and analyzed in ${seconds} s`);

  const plan = rowsOf<Record<string, string>>(
    await db.execute(
      sql`explain ${nearbyActionsQuery(db, { latitude: 43.238, longitude: 76.9452, limit: 5, offset: 0, locale: "kk" }).getSQL()}`,
    ),
  )
    .map((r) => Object.values(r)[0])
    .join("\n");
  // On small tables the planner may rightly prefer a sequential scan; at benchmark sizes it must be the index.
  const usesIndex = /actions_(geo|published_geo_start)_idx/.test(plan);

  const points = await queryPoints(db, WARMUP + QUERIES);
  await time(points.slice(0, WARMUP), (p) => findNearbyActions(db, { ...p, limit: 5, offset: 0, locale: "kk" }));
  const knn = await time(points.slice(WARMUP), (p) =>
    findNearbyActions(db, { ...p, limit: 5, offset: 0, locale: "kk" }),
  );
  const filtered = await time(points.slice(WARMUP), (p) =>
    findNearbyActions(db, { ...p, categories: ["animals"], period: "week", limit: 5, offset: 5, locale: "kk" }),
  );
  // Issue 10: the list as a volunteer sees it: several categories, a period, a radius, and its count.
  const categories: Category[] = ["ecology", "social", "seniors"];
  const issue10 = { categories, period: "week" as const, radiusKm: 50 };
  if (process.env.BENCH_NEARBY_EXPLAIN) {
    const at = { latitude: 43.238, longitude: 76.9452 };
    for (const query of [
      nearbyActionsQuery(db, { ...at, ...issue10, limit: 6, offset: 5, locale: "kk" }).getSQL(),
      countNearbyQuery(db, { ...at, ...issue10 }).getSQL(),
    ]) {
      const rows = rowsOf<Record<string, string>>(await db.execute(sql`explain analyze ${query}`));
      console.log(rows.map((r) => Object.values(r)[0]).join("\n"));
    }
  }
  await time(points.slice(0, WARMUP), (p) =>
    findNearbyActions(db, { ...p, ...issue10, limit: 6, offset: 5, locale: "kk" }),
  );
  const multi = await time(points.slice(WARMUP), (p) =>
    findNearbyActions(db, { ...p, ...issue10, limit: 6, offset: 5, locale: "kk" }),
  );
  const counted = await time(points.slice(WARMUP), (p) => countNearbyActions(db, { ...p, ...issue10 }));
  const page = await time(points.slice(WARMUP), (p) =>
    Promise.all([
      findNearbyActions(db, { ...p, ...issue10, limit: 6, offset: 5, locale: "kk" }),
      countNearbyActions(db, { ...p, ...issue10 }),
    ]),
  );
  const baselinePoints = points.slice(WARMUP, WARMUP + BASELINE_QUERIES);
  const baseline = await time(baselinePoints, (p) => haversineScan(db, p));

  // The index must find exactly what the full scan finds.
  let same = 0;
  for (const p of baselinePoints) {
    const fromIndex = (await findNearbyActions(db, { ...p, limit: 5, offset: 0, locale: "kk" })).map((a) => a.id);
    if (JSON.stringify(fromIndex) === JSON.stringify(await haversineScan(db, p))) same++;
  }

  const rowsLabel = count.toLocaleString("en");
  const line = (what: string, queries: number, m: { median: number; p95: number }, ratio: string) =>
    `| ${what} | ${name} | ${rowsLabel} | ${queries} | ${m.median.toFixed(2)} ms | ${m.p95.toFixed(2)} ms | ${ratio} |`;
  const faster = (m: { median: number }) => `${(baseline.median / m.median).toFixed(0)}× faster`;
  return [
    line(
      `findNearbyActions: 5 nearest (${usesIndex ? "GiST index" : "no index in the plan!"})`,
      QUERIES,
      knn,
      faster(knn),
    ),
    line("findNearbyActions: + category + this week, page 2", QUERIES, filtered, faster(filtered)),
    line("list: 3 categories + this week + 50 km, page 2", QUERIES, multi, faster(multi)),
    line(`count: 3 categories + this week + 50 km (stops at ${COUNT_CAP + 1})`, QUERIES, counted, faster(counted)),
    line("a page as shown: list + count together", QUERIES, page, faster(page)),
    line(
      `baseline: full-scan haversine, 5 nearest (same results: ${same}/${baselinePoints.length})`,
      BASELINE_QUERIES,
      baseline,
      "baseline",
    ),
  ];
}

/** The typed-place lookup (in memory): exact names, typos, and names that match nothing (the slowest: all keys). */
function placeLookup(): string {
  const places = kzPlaces();
  const typed = ["Талдықорған", "Талдыкорган", "Taldykorgan", "Талдыкоргн", "Усть-Каменогрск", "Акколь", "Qwertyuiop"];
  const latencies: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const started = performance.now();
    places.find(typed[i % typed.length]!);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  const [median, p95] = [percentile(latencies, 50), percentile(latencies, 95)];
  return `| typed place → gazetteer (${places.places.length} places, in memory) | — | — | 5000 | ${median.toFixed(3)} ms | ${p95.toFixed(3)} ms | — |`;
}

async function main() {
  console.log(
    `Node ${process.version}, ${new Date().toISOString()}, ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  const table: string[] = [];
  for (const name of DATABASES) {
    if (name !== "pglite" && name !== "postgres") throw new Error(`unknown database ${name}`);
    let database: DatabaseHandle;
    try {
      database = name === "pglite" ? await openFreshPglite() : await openFreshPostgres(POSTGRES_URL);
    } catch (error) {
      table.push(`| nearby search | ${name} | skipped: ${(error as Error).message} | | | | |`);
      continue;
    }
    try {
      table.push(...(await bench(name === "pglite" ? "PGlite (in memory)" : "PostgreSQL", database, ROWS[name])));
    } finally {
      await database.close();
    }
  }
  table.push(placeLookup());
  console.log("\n| what | database | actions | queries | median | p95 | vs baseline (median) |");
  console.log("|---|---|---|---|---|---|---|");
  for (const line of table) console.log(line);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
