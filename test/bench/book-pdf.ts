/**
 * How long a volunteer book's PDF blocks the event loop: rendered in the main thread, and on the worker thread.
 * Run: npm run bench:book
 */
import { renderVolunteerBookPdfOffThread } from "../../src/domain/pdf/off-thread";
import { type BookPdfContent, renderVolunteerBookPdf } from "../../src/domain/pdf/volunteer-book";

export function bookContent(rows: number): BookPdfContent {
  return {
    title: "Волонтёрская книжка",
    author: "Әлия Сәрсенова",
    facts: [
      ["Владелец", "Әлия Сәрсенова"],
      ["Период", "1 января 2026 — 31 декабря 2026"],
    ],
    columns: ["Дата", "Что", "Направление", "Часы"],
    rows: Array.from({ length: rows }, (_, i) => [
      "12.03.2026",
      `Жасыл Ел — Тазалық акциясы №${i + 1}: қала саябағында ағаш отырғызу және қоқыс жинау`,
      "Экология («Таза Қазақстан»)",
      "2,5",
    ]),
    total: ["Итого подтверждено", "100"],
    code: ["Код проверки", "ABCDEFGH23"],
    verification: [
      "Проверить: /verify ABCDEFGH23",
      "https://t.me/erikti_bot?start=v_ABCDEFGH23",
      "Книжка подтверждает часы.",
    ],
  };
}

/** Runs `work` while a 1 ms timer ticks; returns the longest gap between ticks (the longest block) and the total. */
export async function longestBlock(work: () => Promise<unknown>): Promise<{ blockMs: number; totalMs: number }> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  await new Promise((resolve) => setTimeout(resolve, 5));
  last = performance.now();
  const start = performance.now();
  await work();
  const totalMs = performance.now() - start;
  await new Promise((resolve) => setTimeout(resolve, 2));
  clearInterval(timer);
  return { blockMs: longest, totalMs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await renderVolunteerBookPdf(bookContent(5)); // fonts parsed, code warm
  await renderVolunteerBookPdfOffThread(bookContent(5));
  for (const rows of [40, 200]) {
    const runs = {
      main: [] as number[],
      worker: [] as number[],
      mainTotal: [] as number[],
      workerTotal: [] as number[],
    };
    for (let i = 0; i < 7; i++) {
      const main = await longestBlock(() => renderVolunteerBookPdf(bookContent(rows)));
      const worker = await longestBlock(() => renderVolunteerBookPdfOffThread(bookContent(rows)));
      runs.main.push(main.blockMs);
      runs.mainTotal.push(main.totalMs);
      runs.worker.push(worker.blockMs);
      runs.workerTotal.push(worker.totalMs);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(1);
    console.log(
      `${rows} entries: main thread blocks ${median(runs.main)} ms (total ${median(runs.mainTotal)} ms); ` +
        `worker: longest block ${median(runs.worker)} ms (total ${median(runs.workerTotal)} ms)`,
    );
  }
}
