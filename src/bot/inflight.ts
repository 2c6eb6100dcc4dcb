import type { MiddlewareFn } from "grammy";

/** Counts updates being handled, so a stop can wait for them and confirm the last one to Telegram. */
export class InflightUpdates {
  private running = 0;
  private waiters: Array<() => void> = [];
  /** The highest update id the bot has finished. */
  lastUpdateId: number | undefined;

  constructor(private readonly onHandled?: (updateId: number, ms: number) => void) {}

  readonly middleware: MiddlewareFn = async (ctx, next) => {
    const started = performance.now();
    this.running++;
    try {
      await next();
    } finally {
      this.running--;
      const id = ctx.update.update_id;
      if (this.lastUpdateId === undefined || id > this.lastUpdateId) this.lastUpdateId = id;
      this.onHandled?.(id, performance.now() - started);
      if (this.running === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  };

  idle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
