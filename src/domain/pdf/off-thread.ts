import { Worker } from "node:worker_threads";
import type { BookPdfContent } from "./volunteer-book";

interface Pending {
  resolve(pdf: Buffer): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** A book renders in well under a second; one still unfinished after this (queue included) means a hung worker. */
const RENDER_TIMEOUT_MS = 60_000;

/**
 * One worker thread renders the books, one at a time; the main thread only waits. Started on the first book,
 * unreferenced while idle (it never keeps the process alive), started again if it dies.
 */
class PdfWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  render(content: BookPdfContent): Promise<Buffer> {
    const worker = (this.worker ??= this.start());
    const id = ++this.nextId;
    return new Promise<Buffer>((resolve, reject) => {
      // A hung render would hold every later book: the worker is stopped (its jobs fail, the next book starts anew).
      const timer = setTimeout(() => void worker.terminate(), RENDER_TIMEOUT_MS).unref();
      this.pending.set(id, { resolve, reject, timer });
      worker.ref();
      worker.postMessage({ id, content });
    });
  }

  private start(): Worker {
    const worker = new Worker(new URL("./render-worker.mjs", import.meta.url));
    worker.unref();
    worker.on("message", (message: { id: number; pdf?: Uint8Array; error?: string }) => {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      clearTimeout(waiting.timer);
      if (this.pending.size === 0) worker.unref();
      if (message.pdf) waiting.resolve(Buffer.from(message.pdf.buffer, message.pdf.byteOffset, message.pdf.byteLength));
      else waiting.reject(new Error(`PDF rendering failed: ${message.error}`));
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of this.pending.values()) {
        clearTimeout(waiting.timer);
        waiting.reject(error);
      }
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`PDF worker exited with code ${code}`)));
    return worker;
  }
}

const shared = new PdfWorker();

/** renderVolunteerBookPdf on a worker thread: the event loop stays free for other chats while a book renders. */
export function renderVolunteerBookPdfOffThread(content: BookPdfContent): Promise<Buffer> {
  return shared.render(content);
}
