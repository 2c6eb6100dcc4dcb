import { createRequire } from "node:module";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import * as vl from "vega-lite";

/**
 * Bar charts as PNG for the front offices' statistics: a Vega-Lite spec (data and labels already in the reader's
 * language) compiled to Vega, drawn to SVG by vega's headless renderer (`view.toSVG()`, no canvas), then rasterized
 * by resvg with DejaVu Sans loaded from the dejavu-fonts-ttf package (every Kazakh letter; no system fonts, so the
 * image is the same on every machine).
 */

export interface BarChart {
  title: string;
  xTitle: string;
  yTitle: string;
  /** Bars in order; `label` is shown on the axis, `value` is the bar's height (and printed above it). */
  bars: Array<{ label: string; value: number }>;
  /** Bars drawn horizontally (long labels: regions, categories). */
  horizontal?: boolean;
}

export const CHART_WIDTH = 900;
const FONT = "DejaVu Sans";

/** The Vega-Lite spec of a bar chart (its data.values are the figures the PNG shows). */
export function barChartSpec(chart: BarChart): vl.TopLevelSpec {
  const horizontal = chart.horizontal ?? false;
  const labelField = {
    field: "label",
    type: "nominal" as const,
    sort: null,
    title: horizontal ? chart.yTitle : chart.xTitle,
  };
  const valueField = {
    field: "value",
    type: "quantitative" as const,
    title: horizontal ? chart.xTitle : chart.yTitle,
  };
  const step = 30;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    background: "white",
    padding: { left: 16, top: 16, bottom: 16, right: 40 },
    width: CHART_WIDTH - 300,
    height: horizontal ? Math.max(240, step * chart.bars.length) : 360,
    title: { text: chart.title, fontSize: 18, anchor: "start" },
    config: {
      font: FONT,
      axis: { labelFontSize: 13, titleFontSize: 14, labelLimit: 320 },
      // Kazakh and Russian write 2,5 and 1 000.
      locale: { number: { decimal: ",", thousands: "\u00a0", grouping: [3], currency: ["", ""] } },
      view: { stroke: null },
    },
    data: { values: chart.bars.map((b) => ({ label: b.label, value: b.value })) },
    encoding: horizontal
      ? { y: labelField, x: valueField }
      : { x: { ...labelField, axis: { labelAngle: -40 } }, y: valueField },
    layer: [
      { mark: { type: "bar", color: "#2a7ab0" } },
      {
        mark: horizontal
          ? { type: "text", align: "left", dx: 4, fontSize: 12 }
          : { type: "text", baseline: "bottom", dy: -3, fontSize: 12 },
        encoding: { text: { field: "value", type: "quantitative", format: "~r" } },
      },
    ],
  } as vl.TopLevelSpec;
}

const require = createRequire(import.meta.url);
let fontFiles: string[] | undefined;

/** Spec → SVG (vega, headless) → PNG (resvg with DejaVu Sans). */
export async function renderChartPng(spec: vl.TopLevelSpec): Promise<Buffer> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  fontFiles ??= [
    require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf"),
    require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf"),
  ];
  const png = new Resvg(svg, {
    font: { fontFiles, loadSystemFonts: false, defaultFontFamily: FONT, sansSerifFamily: FONT },
    fitTo: { mode: "original" },
  })
    .render()
    .asPng();
  return Buffer.from(png);
}
