import { fileURLToPath } from "node:url";
import { cruise, type ICruiseResult, type IViolation } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import { describe, expect, it } from "vitest";

/** The import rules of .dependency-cruiser.cjs (`npm run lint:layers`), run on a tree with src/ under baseDir. */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

async function violations(baseDir: string): Promise<IViolation[]> {
  const options = await extractDepcruiseOptions(`${ROOT}.dependency-cruiser.cjs`);
  const { output } = await cruise(["src"], { ...options, baseDir, validate: true });
  return (output as ICruiseResult).summary.violations;
}

function describeViolation(v: IViolation): string {
  const via = v.cycle?.length ? ` (cycle: ${[v.from, ...v.cycle.map((c) => c.name)].join(" → ")})` : "";
  return `${v.rule.name}: ${v.from} → ${v.to}${via}`;
}

describe("layers: imports run one way (bot → domain → db; delivery and scheduler below the bot)", () => {
  it("src/ has no import against the direction and no cycle between folders", async () => {
    expect((await violations(ROOT)).map(describeViolation)).toEqual([]);
  }, 30_000);

  it("catches planted wrong imports: a domain module importing the bot and grammY, and a runtime cycle", async () => {
    const found = (await violations(fileURLToPath(new URL("../fixtures/layers/", import.meta.url)))).map(
      describeViolation,
    );
    expect(found).toEqual(
      expect.arrayContaining([
        "domain-stays-below: src/domain/greeting.ts → src/bot/keyboard.ts",
        expect.stringMatching(/^domain-stays-below: src\/domain\/greeting\.ts → .*node_modules\/grammy\//),
        expect.stringMatching(/^no-folder-cycles: src\/(bot|domain) → src\/(domain|bot)/),
        expect.stringMatching(/^no-runtime-cycles: src\/db\/(rows|table)\.ts → src\/db\/(table|rows)\.ts/),
      ]),
    );
  }, 30_000);
});
