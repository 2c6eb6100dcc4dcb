/**
 * Where the time goes: a V8 CPU profile (.cpuprofile) summed by area. Each sample goes to the innermost frame of its
 * stack that belongs to a known area (node's own http, stream and socket code counts for whoever called it).
 * `npx tsx test/bench/profile-areas.ts file.cpuprofile` or through BENCH_PROFILE in updates.ts.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

const AREAS: Array<[string, (url: string, fn: string) => boolean]> = [
  ["garbage collection", (_url, fn) => fn === "(garbage collector)"],
  ["idle (waiting for I/O)", (_url, fn) => fn === "(idle)"],
  [
    "fake Bot API (in-process, serves both bots)",
    (url) => /\/playground\/|\/test\/support\/|node:_http_server/.test(url),
  ],
  [
    "PostgreSQL client (postgres-js, drizzle)",
    (url) => /node_modules\/(postgres|drizzle-orm|@electric-sql)\/|\/src\/db\//.test(url),
  ],
  [
    "Bot API client (grammY's client, undici)",
    (url) =>
      /grammy\/out\/core\/(client|payload)|node-fetch|undici|abort-controller|event-target-shim|node:_http_(client|agent)|\/delivery\/(reply-rate|light-fetch)/.test(
        url,
      ),
  ],
  ["i18next", (url) => /i18next|\/src\/i18n\//.test(url)],
  ["conversations plugin and storage", (url) => /@grammyjs\/conversations|\/bot\/conversations\//.test(url)],
  ["grammY runner (getUpdates, sequentialize)", (url) => /@grammyjs\/runner/.test(url)],
  ["grammY middleware (composer, context)", (url) => /node_modules\/(grammy|@grammyjs)\//.test(url)],
  ["Erikti's own code (src/)", (url) => /\/src\//.test(url)],
  ["benchmark driver", (url) => /\/test\/bench\//.test(url)],
];
const OTHER = "node internals (microtasks, timers) not under any of these";

export function profileAreas(profile: CpuProfile): Array<{ area: string; percent: number }> {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const areaOf = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = areaOf.get(id);
    if (known) return known;
    const { url, functionName } = nodes.get(id)!.callFrame;
    const own = AREAS.find(([, test]) => test(url, functionName))?.[0];
    const up = parent.get(id);
    const area = own ?? (up === undefined ? OTHER : resolve(up));
    areaOf.set(id, area);
    return area;
  };
  const time = new Map<string, number>();
  (profile.samples ?? []).forEach((id, i) => {
    const area = resolve(id);
    time.set(area, (time.get(area) ?? 0) + (profile.timeDeltas?.[i] ?? 0));
  });
  const total = [...time.values()].reduce((a, b) => a + b, 0);
  return [...time].map(([area, t]) => ({ area, percent: (t / total) * 100 })).sort((a, b) => b.percent - a.percent);
}

export function printProfileAreas(profile: CpuProfile): void {
  for (const { area, percent } of profileAreas(profile)) console.log(`${percent.toFixed(1).padStart(5)}%  ${area}`);
}

if (process.argv[1]?.endsWith("profile-areas.ts") && process.argv[2]) {
  printProfileAreas(JSON.parse(readFileSync(process.argv[2], "utf8")) as CpuProfile);
}
