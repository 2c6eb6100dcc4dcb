// Renders charts off the main thread (vega + resvg take 60–150 ms a chart, which would stall every chat).
// Plain JavaScript, so Node can start it as is; it registers tsx to load the TypeScript renderer (as the PDF worker).
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { renderChartPng } = await import("./charts.ts");

parentPort.on("message", async ({ id, spec }) => {
  try {
    const png = new Uint8Array(await renderChartPng(spec));
    parentPort.postMessage({ id, png }, [png.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
