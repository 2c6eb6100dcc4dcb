import { limit } from "@grammyjs/ratelimiter";
import type { MiddlewareFn } from "grammy";
import type { LocaleKey } from "../../i18n";
import type { BotContext, BotDeps } from "../context";

/**
 * A per-user window for @grammyjs/ratelimiter, in the shape of its Redis client (incr + pexpire): each user's
 * window starts at their first press (the plugin's memory store clears every user at once on a timer, so a
 * second press could slip through just after a clear). In memory, per bot instance: a user pressing through two
 * instances at once gets at most twice the allowance, which still bounds the work.
 */
class UserWindows {
  private readonly windows = new Map<string, { count: number; until: number }>();

  incr(key: string): number {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.until <= now) {
      if (this.windows.size > 50_000) this.sweep(now);
      window = { count: 0, until: Number.POSITIVE_INFINITY };
      this.windows.set(key, window);
    }
    return ++window.count;
  }

  pexpire(key: string, ms: number): void {
    const window = this.windows.get(key);
    if (window) window.until = Date.now() + ms;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.until <= now) this.windows.delete(key);
  }
}

export interface ExpensiveLimit {
  /** Presses allowed per window and user. */
  allowed: number;
  windowMs: number;
  /** What the user is told past the limit (default: the previous request is still being prepared). */
  message?: LocaleKey;
}

/**
 * Middleware for an expensive button or command (a PDF, a file, a lookup): past `allowed` presses within the
 * window, the user gets a localized "one moment, please" (a toast for a button) and nothing runs. Each bot (its
 * deps) keeps its own windows.
 */
export function expensive(
  name: string,
  { allowed, windowMs, message = "privacy.one_moment" }: ExpensiveLimit,
): MiddlewareFn<BotContext> {
  const perBot = new WeakMap<BotDeps, MiddlewareFn<BotContext>>();
  const create = () =>
    limit<BotContext, never>({
      timeFrame: windowMs,
      limit: allowed,
      alwaysReply: true,
      keyPrefix: `${name}:`,
      storageClient: new UserWindows() as never,
      onLimitExceeded: async (ctx) => {
        if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t(message) });
        else await ctx.reply(ctx.t(message));
      },
    }) as MiddlewareFn<BotContext>;
  return (ctx, next) => {
    let middleware = perBot.get(ctx.deps);
    if (!middleware) perBot.set(ctx.deps, (middleware = create()));
    return middleware(ctx, next);
  };
}

/** The expensive things a user can ask for, and how often. */
export const EXPENSIVE = {
  /** Volunteer book: a PDF and a CSV. */
  book: expensive("book", { allowed: 1, windowMs: 10_000 }),
  /** An .ics calendar file. */
  calendar: expensive("ics", { allowed: 2, windowMs: 5_000, message: "privacy.too_often" }),
  /** /verify CODE (and its deep link): also slows down guessing codes. */
  verify: expensive("verify", { allowed: 5, windowMs: 60_000, message: "privacy.too_often" }),
  /** An action's participants as CSV (organizers). */
  participants: expensive("participants-csv", { allowed: 1, windowMs: 10_000 }),
  /** A check-in QR code (a PNG made on each press). */
  checkinQr: expensive("checkin-qr", { allowed: 2, windowMs: 10_000, message: "privacy.too_often" }),
  /** /stats of a front office (queries and PNG charts) and its CSV. */
  stats: expensive("stats", { allowed: 1, windowMs: 10_000 }),
  statsCsv: expensive("stats-csv", { allowed: 1, windowMs: 10_000 }),
  /** A club's join code typed into the bot: slows down guessing codes. */
  clubCode: expensive("club-code", { allowed: 5, windowMs: 60_000, message: "privacy.too_often" }),
  /** A club's invite QR code (a PNG made on each press). */
  clubQr: expensive("club-qr", { allowed: 2, windowMs: 10_000, message: "privacy.too_often" }),
  /** /mydata: the whole export. */
  export: expensive("mydata", { allowed: 1, windowMs: 30_000 }),
};
