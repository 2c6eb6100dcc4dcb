import { InlineKeyboard } from "grammy";
import type { BarChart } from "../../../domain/charts";
import { pick } from "../../../domain/localized";
import type { RegionDirectory } from "../../../domain/regions";
import type { RegionDetails, RegionFigures } from "../../../domain/stats";
import { csvDocument, decimalComma } from "../../../domain/volunteer-book";
import type { Locale, Translate } from "../../../i18n";
import { formatHours, formatMonth } from "../../../i18n/format";
import { cb } from "../../callback-data";
import { categoryName } from "../../keyboards";

export const regionName = (regions: RegionDirectory, code: string, locale: Locale) => {
  const region = regions.get(code);
  return region ? regions.name(region, locale) : code;
};

export const personName = (p: { firstName: string | null; username: string | null; userId: number }) =>
  p.firstName ?? (p.username ? `@${p.username}` : String(p.userId));

/** Region buttons limited to `codes` (all regions when undefined), two a row, plus optional extra rows. */
export function regionButtons(
  regions: RegionDirectory,
  locale: Locale,
  action: string,
  codes?: readonly string[],
): InlineKeyboard {
  const kb = new InlineKeyboard();
  const list = regions.all.filter((r) => !codes || codes.includes(r.code));
  list.forEach((region, i) => {
    kb.text(regions.name(region, locale), cb("fo", action, region.code));
    if (i % 2 === 1) kb.row();
  });
  return kb.row();
}

const categoryLabel = (t: Translate, category: string) =>
  category ? categoryName(t, category) : t("front_office.no_category");

/** The short text of one region's figures (or the country's, with `title` of all regions). */
export function regionStatsText(
  t: Translate,
  locale: Locale,
  title: string,
  f: Omit<RegionFigures, "regionCode">,
  d: RegionDetails,
): string {
  const lines = [
    title,
    "",
    t("front_office.stats_volunteers", { n: f.volunteers }),
    t("front_office.stats_organizers", { n: f.organizers }),
    t("front_office.stats_actions", { this: f.actionsThisMonth, last: f.actionsLastMonth }),
    t("front_office.stats_joins", { this: f.joinsThisMonth, last: f.joinsLastMonth }),
    t("front_office.stats_checkins", { this: f.checkinsThisMonth, last: f.checkinsLastMonth }),
    t("front_office.stats_hours", { hours: formatHours(f.hours, locale) }),
  ];
  if (d.organizations.length > 0) {
    lines.push("", t("front_office.stats_top"));
    for (const [i, o] of d.organizations.entries()) {
      const name = pick(o.nameKk, o.nameRu, locale);
      lines.push(t("front_office.stats_top_line", { n: i + 1, name, hours: formatHours(o.hours, locale) }));
    }
  }
  if (d.marathons.length > 0) {
    lines.push("", t("front_office.stats_marathons"));
    for (const m of d.marathons)
      lines.push(
        t("front_office.stats_marathon_line", {
          title: pick(m.titleKk, m.titleRu, locale),
          participants: m.participants,
          deeds: m.deeds,
        }),
      );
  }
  return lines.join("\n");
}

/** The 20 regions side by side, a line each. */
export function regionsTable(t: Translate, locale: Locale, regions: RegionDirectory, all: RegionFigures[]): string {
  return all
    .map((f) =>
      t("front_office.stats_region_line", {
        region: regionName(regions, f.regionCode, locale),
        volunteers: f.volunteers,
        actions: f.actionsThisMonth,
        hours: formatHours(f.hours, locale),
      }),
    )
    .join("\n");
}

/** Sums of the regions' figures (the country). */
export function totalFigures(all: RegionFigures[]): Omit<RegionFigures, "regionCode"> {
  const sum = (key: keyof Omit<RegionFigures, "regionCode">) =>
    Math.round(all.reduce((s, f) => s + f[key], 0) * 10) / 10;
  return {
    volunteers: sum("volunteers"),
    organizers: sum("organizers"),
    actionsThisMonth: sum("actionsThisMonth"),
    actionsLastMonth: sum("actionsLastMonth"),
    joinsThisMonth: sum("joinsThisMonth"),
    joinsLastMonth: sum("joinsLastMonth"),
    checkinsThisMonth: sum("checkinsThisMonth"),
    checkinsLastMonth: sum("checkinsLastMonth"),
    hours: sum("hours"),
  };
}

export function monthsChart(t: Translate, locale: Locale, d: RegionDetails, place: string): BarChart {
  return {
    title: `${t("front_office.chart_months")} — ${place}`,
    xTitle: t("front_office.axis_month"),
    yTitle: t("front_office.axis_hours"),
    bars: d.months.map((m) => ({ label: formatMonth(m.month, locale), value: m.hours })),
  };
}

export function categoriesChart(t: Translate, d: RegionDetails, place: string): BarChart {
  return {
    title: `${t("front_office.chart_categories")} — ${place}`,
    xTitle: t("front_office.axis_hours"),
    yTitle: t("front_office.axis_category"),
    horizontal: true,
    bars: d.categories.map((c) => ({ label: categoryLabel(t, c.category), value: c.hours })),
  };
}

export function regionsChart(t: Translate, locale: Locale, regions: RegionDirectory, all: RegionFigures[]): BarChart {
  return {
    title: t("front_office.chart_regions"),
    xTitle: t("front_office.axis_hours"),
    yTitle: t("front_office.axis_region"),
    horizontal: true,
    bars: all.map((f) => ({ label: regionName(regions, f.regionCode, locale), value: f.hours })),
  };
}

/** The same figures as CSV (volunteer book's helpers: UTF-8 BOM, semicolons, decimal comma). */
export function statsCsv(
  t: Translate,
  locale: Locale,
  regions: RegionDirectory,
  place: string,
  figures: Omit<RegionFigures, "regionCode">,
  d: RegionDetails,
  all?: RegionFigures[],
): Buffer {
  const k = (key: string) => t(`front_office.${key}` as never);
  const figureRows: Array<[string, number]> = [
    [k("csv_volunteers"), figures.volunteers],
    [k("csv_organizers"), figures.organizers],
    [k("csv_actions_this"), figures.actionsThisMonth],
    [k("csv_actions_last"), figures.actionsLastMonth],
    [k("csv_joins_this"), figures.joinsThisMonth],
    [k("csv_joins_last"), figures.joinsLastMonth],
    [k("csv_checkins_this"), figures.checkinsThisMonth],
    [k("csv_checkins_last"), figures.checkinsLastMonth],
    [k("csv_hours"), figures.hours],
  ];
  const rows: string[][] = [
    [k("csv_region"), place],
    [],
    [k("csv_figure"), k("csv_value")],
    ...figureRows.map(([label, value]) => [label, decimalComma(value)]),
    [],
    [k("csv_month"), k("axis_hours")],
    ...d.months.map((m) => [formatMonth(m.month, locale), decimalComma(m.hours)]),
    [],
    [k("csv_category"), k("axis_hours")],
    ...d.categories.map((c) => [categoryLabel(t, c.category), decimalComma(c.hours)]),
    [],
    [k("csv_organization"), k("axis_hours")],
    ...d.organizations.map((o) => [pick(o.nameKk, o.nameRu, locale), decimalComma(o.hours)]),
    [],
    [k("csv_marathon"), k("csv_participants"), k("csv_deeds")],
    ...d.marathons.map((m) => [pick(m.titleKk, m.titleRu, locale), String(m.participants), String(m.deeds)]),
  ];
  if (all) {
    rows.push(
      [],
      [k("csv_region"), ...figureRows.map(([label]) => label)],
      ...all.map((f) => [
        regionName(regions, f.regionCode, locale),
        ...[
          f.volunteers,
          f.organizers,
          f.actionsThisMonth,
          f.actionsLastMonth,
          f.joinsThisMonth,
          f.joinsLastMonth,
          f.checkinsThisMonth,
          f.checkinsLastMonth,
          f.hours,
        ].map(decimalComma),
      ]),
    );
  }
  return csvDocument(rows);
}
