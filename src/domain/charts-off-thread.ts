import { Worker } from "node:worker_threads";
import type { TopLevelSpec } from "vega-lite";

/** A chart renders in about 0.1 s; one unfinished after this (queue included) means a hung worker. */
const RENDER_TIMEOUT_MS = 30_000;

interface Pending {
  resolve(png: Buffer): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

let worker: Worker | undefined;
const pending = new Map<number, Pending>();
let nextId = 0;

function start(): Worker {
  const started = new Worker(new URL("./chart-worker.mjs", import.meta.url));
  started.unref();
  started.on("message", (message: { id: number; png?: Uint8Array; error?: string }) => {
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    clearTimeout(waiting.timer);
    if (pending.size === 0) started.unref();
    if (message.png) waiting.resolve(Buffer.from(message.png.buffer, message.png.byteOffset, message.png.byteLength));
    else waiting.reject(new Error(`chart rendering failed: ${message.error}`));
  });
  const fail = (error: Error) => {
    if (worker === started) worker = undefined;
    for (const waiting of pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
    pending.clear();
  };
  started.on("error", fail);
  started.on("exit", (code) => fail(new Error(`chart worker exited with code ${code}`)));
  return started;
}

/**
 * renderChartPng (charts.ts) on one worker thread, one chart at a time: the event loop stays free for other chats.
 * Started on the first chart, unreferenced while idle (it never keeps the process alive), started again if it dies.
 */
export function renderChartPngOffThread(spec: TopLevelSpec): Promise<Buffer> {
  const current = (worker ??= start());
  const id = ++nextId;
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => void current.terminate(), RENDER_TIMEOUT_MS).unref();
    pending.set(id, { resolve, reject, timer });
    current.ref();
    current.postMessage({ id, spec });
  });
}
