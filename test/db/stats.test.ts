import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { categoriesChart, regionsChart } from "../../src/bot/features/front-office/views";
import type { DatabaseHandle } from "../../src/db/client";
import { barChartSpec, renderChartPng } from "../../src/domain/charts";
import { RegionDirectory } from "../../src/domain/regions";
import { regionDetails, regionFigures, statMonths } from "../../src/domain/stats";
import { createI18n } from "../../src/i18n";
import { testDatabases } from "../support/db";
import { pngSize, seedStats } from "../support/stats-fixtures";

describe.each(testDatabases)("regional statistics on $name", (kind) => {
  let database: DatabaseHandle;
  let seeded: Awaited<ReturnType<typeof seedStats>>;
  const now = new Date("2026-06-15T06:00:00Z");

  beforeAll(async () => {
    database = await kind.open();
    seeded = await seedStats(database.db, 9_700_000_000, now);
  });
  afterAll(() => database.close());

  it("counts a region's figures as inserted", async () => {
    const [almaty] = await regionFigures(database.db, now, "almaty");
    expect(almaty).toEqual(seeded.almaty);
    const all = await regionFigures(database.db, now);
    expect(all).toHaveLength(20);
    expect(all.find((f) => f.regionCode === "almaty")).toEqual(seeded.almaty);
    const astana = all.find((f) => f.regionCode === "astana")!;
    expect(astana).toMatchObject({ volunteers: 1, organizers: 1, actionsThisMonth: 1, hours: seeded.astanaHours });
    expect(all.find((f) => f.regionCode === "abai")).toMatchObject({ volunteers: 0, hours: 0 });
  });

  it("splits hours by month and category, ranks organizations, counts marathon deeds", async () => {
    const d = await regionDetails(database.db, "almaty", now);
    expect(d.months.map((m) => m.month)).toEqual(statMonths(now));
    expect(d.months).toHaveLength(12);
    expect(Object.fromEntries(d.months.filter((m) => m.hours > 0).map((m) => [m.month, m.hours]))).toEqual(
      seeded.almatyMonths,
    );
    expect(d.categories).toEqual(seeded.almatyCategories);
    expect(d.organizations).toEqual([
      { organizationId: seeded.orgA, nameKk: "Жасыл ел", nameRu: "Зелёная страна", hours: 3 },
    ]);
    expect(d.marathons).toEqual([
      expect.objectContaining({ titleRu: seeded.marathonTitleRu, participants: 1, deeds: 2 }),
    ]);
    const country = await regionDetails(database.db, null, now);
    expect(country.categories.reduce((s, c) => s + c.hours, 0)).toBe(seeded.almaty.hours + seeded.astanaHours);
    expect(country.marathons[0]).toMatchObject({ participants: 2, deeds: 3 });
  });

  it("draws a PNG of sensible size whose data are the figures", async () => {
    const d = await regionDetails(database.db, "almaty", now);
    const spec = barChartSpec({
      title: "Расталған сағаттар, айлар бойынша — Алматы",
      xTitle: "Ай",
      yTitle: "Сағат",
      bars: d.months.map((m) => ({ label: m.month, value: m.hours })),
    });
    expect((spec.data as { values: unknown[] }).values).toEqual(
      d.months.map((m) => ({ label: m.month, value: m.hours })),
    );
    const png = await renderChartPng(spec);
    const { width, height } = pngSize(png);
    expect(width).toBeGreaterThanOrEqual(600);
    expect(width).toBeLessThanOrEqual(1600);
    expect(height).toBeGreaterThanOrEqual(300);
    expect(height).toBeLessThanOrEqual(1600);
  });

  it("the charts' data are the DB's figures: regions compared, hours by category", async () => {
    const regions = await RegionDirectory.load(database.db);
    const t = (await createI18n()).t("kk");
    const all = await regionFigures(database.db, now);
    const compared = barChartSpec(regionsChart(t, "kk", regions, all));
    const values = (compared.data as { values: Array<{ label: string; value: number }> }).values;
    expect(values).toHaveLength(20);
    expect(values.find((v) => v.label === "Алматы")!.value).toBe(seeded.almaty.hours);
    expect(values.find((v) => v.label === "Астана")!.value).toBe(seeded.astanaHours);
    const d = await regionDetails(database.db, "almaty", now);
    const byCategory = barChartSpec(categoriesChart(t, d, "Алматы"));
    expect((byCategory.data as { values: unknown[] }).values).toEqual([
      { label: t("categories.ecology"), value: 3 },
      { label: t("categories.social"), value: 2.5 },
      { label: t("categories.health"), value: 1.5 },
    ]);
    const png = await renderChartPng(compared);
    writeFileSync(join(tmpdir(), "erikti-regions-chart.png"), png);
    expect(pngSize(png).width).toBeGreaterThanOrEqual(600);
  });
});
