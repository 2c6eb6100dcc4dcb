// Renders volunteer books off the main thread (pdfkit is CPU-bound: 30–100 ms a book would stall every chat).
// Plain JavaScript, so Node can start it as is; it registers tsx to load the TypeScript renderer, which works the
// same under `tsx src/main.ts` and under vitest.
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { renderVolunteerBookPdf } = await import("./volunteer-book.ts");

parentPort.on("message", async ({ id, content }) => {
  try {
    const pdf = await renderVolunteerBookPdf(content);
    const bytes = new Uint8Array(pdf); // a copy of its own, so it can be transferred
    parentPort.postMessage({ id, pdf: bytes }, [bytes.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
