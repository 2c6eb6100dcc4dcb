import { and, inArray, isNull, sql } from "drizzle-orm";
import { type Api, GrammyError, HttpError } from "grammy";
import type { Logger } from "pino";
import type { Database } from "../db/client";
import { users } from "../db/schema";
import type { I18n } from "../i18n";
import { onEnqueued, type OutboxPayload } from "../db/outbox";
import { inQuietHours, quietHoursEnd } from "./quiet-hours";
import { type ButtonRenderer, type Rendered, render } from "./render";
import { rowsOf } from "../db/client";

/** Serialises claims across dispatchers, so send slots handed out by different instances never overlap. */
const CLAIM_LOCK = 7_203_118_101;
/** Telegram's sliding window for the global rate, plus a millisecond for clock rounding. */
const WINDOW_MS = 1001;

export interface DispatcherOptions {
  db: Database;
  /** A grammY Api of its own: a timeout well inside the claim TTL, no transformers. */
  api: Api;
  i18n: I18n;
  logger: Logger;
  /** Turns outbox buttons into inline buttons (the bot's callback data); given by the composition root. */
  buttons: ButtonRenderer;
  /** Messages per second for the whole bot, shared by every dispatcher on the database (Telegram: about 30). */
  ratePerSecond?: number;
  /** Sends with allow_paid_broadcast (Telegram then allows up to 1000/s, paid in Stars). */
  paidBroadcast?: boolean;
  /** Minimum gap between two messages to one private chat (Telegram: about 1/s). */
  perChatIntervalMs?: number;
  /** Minimum gap between two messages to one group or channel (Telegram: 20/min). */
  perGroupIntervalMs?: number;
  /** How long after its send slot a claimed row stays claimed; then another dispatcher takes it (crash safety). */
  claimTtlMs?: number;
  /** How far ahead send slots are claimed. */
  horizonMs?: number;
  maxBatch?: number;
  maxInFlight?: number;
  /** Network errors and 5xx are retried this many times (exponential backoff), then dead-lettered. */
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  idlePollMs?: number;
  /** Sent/failed rows are written back in batches at most this long after the send. */
  flushMs?: number;
  /** Share of the rate used for send slots (default 0.99): a margin against timer and network jitter. */
  rateMargin?: number;
  /** Milliseconds since the epoch (tests move it). */
  clock?: () => number;
}

export interface DispatcherStats {
  sent: number;
  /** Dead-lettered: 403 (blocked), other 4xx, expired, too many failures. */
  dead: number;
  blocked: number;
  retried: number;
  /** Deferred to the end of the recipient's quiet hours. */
  deferred: number;
  /** 429 answers received. */
  rateLimited: number;
}

interface Claimed {
  id: number;
  chatId: number;
  slot: number;
  claimedUntil: string;
  payload: OutboxPayload;
  attempts: number;
}

interface Outcome {
  id: number;
  claimed_until: string;
  state: "sent" | "pending" | "dead";
  not_before?: string;
  last_error?: string;
  sent_at?: string;
  /** Given back without a send: the claim's attempt is taken back. */
  untried?: 1;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Sends outbox rows within Telegram's limits. Rows are claimed (pending → sending) in batches with
 * FOR UPDATE SKIP LOCKED, each with a send slot: slots are spaced 1/rate apart across all dispatchers on the
 * database (the claim takes an advisory lock and continues after the latest slot handed out), so several bot
 * instances share both the work and the one global rate. A claim not written back within `claimTtlMs` after its
 * slot is taken again by the next claim: after a crash, at most the rows that were claimed (in flight) are sent
 * twice, and none is lost.
 */
export class Dispatcher {
  readonly stats: DispatcherStats = { sent: 0, dead: 0, blocked: 0, retried: 0, deferred: 0, rateLimited: 0 };
  private readonly o: Required<Omit<DispatcherOptions, "db" | "api" | "i18n" | "logger" | "buttons" | "clock">>;
  private readonly clock: () => number;
  private readonly spacing: number;
  private queue: Claimed[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private outcomes: Outcome[] = [];
  private blockedUsers: number[] = [];
  /** When a chat may get its next message (Infinity while one is in flight). */
  private readonly chatFreeAt = new Map<number, number>();
  /** Claim-time bookkeeping: the earliest slot the chat's next claimed row may have. */
  private readonly chatReserved = new Map<number, number>();
  /** The latest `rate` local sends, in start order, with the moment each was answered. */
  private readonly recent: Array<{ done?: number }> = [];
  private pausedUntil = 0;
  private nextClaimAt = 0;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private flushing: Promise<void> | undefined;
  private claiming: Promise<void> | undefined;
  private lastFlush = 0;
  private idleWaiters: Array<() => void> = [];
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: DispatcherOptions) {
    this.o = {
      ratePerSecond: deps.ratePerSecond ?? 30,
      paidBroadcast: deps.paidBroadcast ?? false,
      perChatIntervalMs: deps.perChatIntervalMs ?? 1000,
      perGroupIntervalMs: deps.perGroupIntervalMs ?? 3000,
      claimTtlMs: deps.claimTtlMs ?? 30_000,
      horizonMs: deps.horizonMs ?? 2000,
      maxBatch: deps.maxBatch ?? 500,
      maxInFlight: deps.maxInFlight ?? 64,
      maxAttempts: deps.maxAttempts ?? 12,
      backoffBaseMs: deps.backoffBaseMs ?? 2000,
      backoffMaxMs: deps.backoffMaxMs ?? 3_600_000,
      idlePollMs: deps.idlePollMs ?? 1000,
      flushMs: deps.flushMs ?? 50,
      rateMargin: deps.rateMargin ?? 0.99,
    };
    this.clock = deps.clock ?? Date.now;
    this.spacing = 1000 / (this.o.ratePerSecond * this.o.rateMargin);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = onEnqueued(() => {
      // The enqueueing transaction may not have committed yet: look a moment later.
      this.nextClaimAt = Math.min(this.nextClaimAt, this.clock() + 20);
      this.wake();
    });
    this.loopDone = this.loop().catch((error: unknown) => {
      this.deps.logger.error({ err: error }, "dispatcher stopped on an error");
      this.running = false;
    });
  }

  /** Stops claiming, lets the sends in flight finish, gives unsent claims back and writes every outcome. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    this.wake();
    await this.loopDone;
    await this.claiming;
    await Promise.all(this.inflight);
    this.releaseQueued(this.clock());
    for (let attempt = 0; attempt < 3 && (this.outcomes.length > 0 || this.blockedUsers.length > 0); attempt++) {
      await this.flush();
    }
    this.resolveIdle();
  }

  /** Resolves once nothing is due: the last claim found nothing and every outcome is written. */
  idle(): Promise<void> {
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    const settled = this.queue.length === 0 && this.inflight.size === 0 && this.outcomes.length === 0 && !this.flushing;
    return settled && this.clock() >= this.pausedUntil;
  }

  private wake(): void {
    this.wakeUp?.();
  }

  private resolveIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const now = this.clock();
      const lastSlot = this.queue.at(-1)?.slot ?? 0;
      const wantsMore = this.queue.length < this.o.maxBatch / 2 && lastSlot < now + this.o.horizonMs / 2;
      if (wantsMore && !this.claiming && now >= this.nextClaimAt && now >= this.pausedUntil) {
        // Claims run beside the sends, so a slow claim never leaves a gap in the rate.
        this.claiming = this.claim(now)
          .then((result) => {
            this.nextClaimAt = result.retryAt;
            if (result.claimed === 0 && this.isIdle()) this.resolveIdle();
          })
          .catch((error: unknown) => {
            this.deps.logger.warn({ err: error }, "outbox claim failed; retrying");
            this.nextClaimAt = this.clock() + this.o.idlePollMs;
          })
          .finally(() => {
            this.claiming = undefined;
            this.wake();
          });
      }
      const nextSend = this.pump(now);
      if (this.outcomes.length > 0 && (this.outcomes.length >= 256 || now - this.lastFlush >= this.o.flushMs)) {
        void this.flush();
      }
      await this.sleep(this.nextWakeAt(now, nextSend) - now);
    }
  }

  private nextWakeAt(now: number, nextSend: number): number {
    let at = Math.min(this.claiming ? Infinity : Math.max(this.nextClaimAt, this.pausedUntil), nextSend);
    if (this.outcomes.length > 0) at = Math.min(at, this.lastFlush + this.o.flushMs);
    return Math.max(at, now);
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.min(ms, this.o.idlePollMs));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  /**
   * When the next send fits Telegram's sliding window: a full window after the answer to the send `rate` places
   * back. Counting from answers, not starts, keeps network jitter from squeezing `rate + 1` sends into one window.
   */
  private windowFreeAt(rate: number): number {
    if (this.recent.length < rate) return 0;
    const done = this.recent[this.recent.length - rate]!.done;
    return done === undefined ? Infinity : done + WINDOW_MS;
  }

  private chatInterval(chatId: number): number {
    return chatId < 0 ? this.o.perGroupIntervalMs : this.o.perChatIntervalMs;
  }

  /** Claims the rows that fit before the horizon, each with a global send slot. */
  private async claim(now: number): Promise<{ claimed: number; retryAt: number }> {
    const { claimed, retryAt } = await this.claimRows(now);
    // Queued only once committed: an outcome written back before the commit would not find the claim.
    this.queue.push(...claimed);
    return { claimed: claimed.length, retryAt };
  }

  private claimRows(now: number): Promise<{ claimed: Claimed[]; retryAt: number }> {
    const { claimTtlMs: ttl, horizonMs: horizon } = this.o;
    return this.deps.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${CLAIM_LOCK})`);
      await tx.execute(sql`
        update outbox set state = 'pending', locked_until = null, updated_at = ${iso(now)}::timestamptz
        where state = 'sending' and locked_until < ${iso(now)}::timestamptz`);
      const [latest] = rowsOf<{ last: string | Date | null }>(
        await tx.execute(sql`select max(locked_until) as last from outbox where state = 'sending'`),
      );
      let slot = latest?.last ? Math.max(now, new Date(latest.last).getTime() - ttl + this.spacing) : now;
      // Claim in chunks of at least a quarter of the horizon, so dispatchers sharing the rate take turns cheaply.
      const minRoom = Math.max(1, Math.min(this.o.maxBatch, Math.floor(horizon / this.spacing / 4)));
      const room = Math.min(this.o.maxBatch, Math.floor((now + horizon - slot) / this.spacing) + 1);
      if (room < minRoom) return { claimed: [], retryAt: slot - horizon + minRoom * this.spacing };

      const rows = rowsOf<{
        id: string | number;
        chat_id: string | number;
        payload: OutboxPayload | string;
        priority: number;
        attempts: number;
        quiet_start: number | null;
        quiet_end: number | null;
        blocked: boolean | null;
      }>(
        await tx.execute(sql`
          select o.id, o.chat_id, o.payload, o.priority, o.attempts,
                 u.quiet_start_minute as quiet_start, u.quiet_end_minute as quiet_end, u.blocked_at is not null as blocked
          from outbox o left join users u on u.id = o.chat_id
          where o.state = 'pending' and o.not_before <= ${iso(now)}::timestamptz
          order by o.priority, o.not_before, o.id
          limit ${room}
          for update of o skip locked`),
      );
      if (rows.length === 0) return { claimed: [], retryAt: now + this.o.idlePollMs };
      this.forgetIdleChats(now);

      const nowDate = new Date(now);
      const updates: Array<Record<string, unknown>> = [];
      const claimed: Claimed[] = [];
      for (const row of rows) {
        const id = Number(row.id);
        const chatId = Number(row.chat_id);
        const payload = (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as OutboxPayload;
        if (payload.expiresAt && new Date(payload.expiresAt).getTime() <= now) {
          updates.push({ id, state: "dead", attempt: 0, last_error: "expired" });
          this.stats.dead++;
          continue;
        }
        if (row.blocked) {
          updates.push({ id, state: "dead", attempt: 0, last_error: "recipient has blocked the bot" });
          this.stats.dead++;
          continue;
        }
        const quiet = row.quiet_start === null || row.quiet_end === null ? undefined : { startMinute: row.quiet_start, endMinute: row.quiet_end };
        if (row.priority > 0 && quiet && inQuietHours(nowDate, quiet)) {
          updates.push({ id, state: "pending", attempt: 0, not_before: quietHoursEnd(nowDate, quiet).toISOString() });
          this.stats.deferred++;
          continue;
        }
        const chatFree = Math.max(this.chatReserved.get(chatId) ?? 0, this.chatFreeAt.get(chatId) ?? 0);
        if (chatFree > slot + horizon) {
          const notBefore = Number.isFinite(chatFree) ? chatFree : slot + horizon;
          updates.push({ id, state: "pending", attempt: 0, not_before: iso(notBefore) });
          continue;
        }
        const claimedUntil = iso(slot + ttl);
        updates.push({ id, state: "sending", attempt: 1, locked_until: claimedUntil });
        claimed.push({ id, chatId, slot, claimedUntil, payload, attempts: row.attempts + 1 });
        this.chatReserved.set(chatId, Math.max(chatFree, slot) + this.chatInterval(chatId));
        slot += this.spacing;
      }
      await tx.execute(sql`
        update outbox as o set
          state = v.state,
          not_before = coalesce(v.not_before, o.not_before),
          locked_until = v.locked_until,
          attempts = o.attempts + v.attempt,
          last_error = coalesce(v.last_error, o.last_error),
          updated_at = ${iso(now)}::timestamptz
        from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb)
          as v(id bigint, state text, not_before timestamptz, locked_until timestamptz, attempt int, last_error text)
        where o.id = v.id`);
      return { claimed, retryAt: claimed.length > 0 ? now : now + Math.min(this.o.idlePollMs, 100) };
    });
  }

  private forgetIdleChats(now: number): void {
    if (this.chatFreeAt.size + this.chatReserved.size < 50_000) return;
    for (const map of [this.chatFreeAt, this.chatReserved]) {
      for (const [chatId, at] of map) if (at < now) map.delete(chatId);
    }
  }

  /**
   * Starts every send whose slot has come, within the sliding window, the chat's gap and the in-flight cap.
   * Returns when the next queued row could go (Infinity: when a send in flight is answered).
   */
  private pump(now: number): number {
    if (now < this.pausedUntil) return this.pausedUntil;
    const rate = Math.max(1, Math.floor(this.o.ratePerSecond));
    let next = Infinity;
    for (let i = 0; i < this.queue.length; ) {
      if (this.inflight.size >= this.o.maxInFlight) return Infinity;
      const item = this.queue[i]!;
      if (item.slot > now) return Math.min(next, item.slot);
      if (item.slot + this.o.claimTtlMs / 2 <= now) {
        // The claim has run out (this process stalled): another dispatcher may have taken the row.
        this.queue.splice(i, 1);
        continue;
      }
      const chatFree = this.chatFreeAt.get(item.chatId) ?? 0;
      if (chatFree > now) {
        next = Math.min(next, chatFree);
        i++;
        continue;
      }
      const windowFree = this.windowFreeAt(rate);
      if (windowFree > now) return Math.min(next, windowFree);
      this.queue.splice(i, 1);
      const entry: { done?: number } = {};
      this.recent.push(entry);
      if (this.recent.length > rate) this.recent.shift();
      this.chatFreeAt.set(item.chatId, Infinity);
      const sending = this.send(item).finally(() => {
        entry.done = this.clock();
        // The next message to this chat waits a full interval after this one was answered.
        this.chatFreeAt.set(item.chatId, entry.done + this.chatInterval(item.chatId));
        this.inflight.delete(sending);
        this.wake();
      });
      this.inflight.add(sending);
    }
    return next;
  }

  private async send(item: Claimed): Promise<void> {
    let rendered: Rendered;
    try {
      rendered = render(this.deps.i18n, item.payload, this.deps.buttons);
    } catch (error) {
      return this.finish(item, { state: "dead", last_error: `render: ${(error as Error).message}` });
    }
    const params: Record<string, unknown> = { chat_id: item.chatId, ...rendered.params };
    if (rendered.method !== "copyMessage" || "caption" in params) params.parse_mode = "HTML";
    if (this.o.paidBroadcast) params.allow_paid_broadcast = true;
    try {
      const raw = this.deps.api.raw as unknown as Record<string, (params: object) => Promise<unknown>>;
      await raw[rendered.method]!(params);
      this.stats.sent++;
      this.finish(item, { state: "sent", sent_at: iso(this.clock()) });
    } catch (error) {
      this.failed(item, error);
    }
  }

  private failed(item: Claimed, error: unknown): void {
    const now = this.clock();
    if (error instanceof GrammyError) {
      const reason = `${error.error_code}: ${error.description}`;
      if (error.error_code === 429) {
        const waitMs = Math.max(1, error.parameters.retry_after ?? 1) * 1000;
        this.stats.rateLimited++;
        this.pausedUntil = Math.max(this.pausedUntil, now + waitMs);
        this.deps.logger.warn({ retryAfter: waitMs / 1000 }, "Telegram asked to slow down (429)");
        this.finish(item, { state: "pending", not_before: iso(this.pausedUntil), last_error: reason });
        this.releaseQueued(this.pausedUntil);
        return;
      }
      if (error.error_code === 403) {
        this.stats.blocked++;
        if (item.chatId > 0) this.blockedUsers.push(item.chatId);
        return this.finish(item, { state: "dead", last_error: reason });
      }
      if (error.error_code >= 400 && error.error_code < 500) return this.finish(item, { state: "dead", last_error: reason });
      return this.retry(item, reason);
    }
    const reason = error instanceof HttpError ? `network: ${String(error.error)}` : `error: ${String(error)}`;
    this.retry(item, reason);
  }

  private retry(item: Claimed, reason: string): void {
    if (item.attempts >= this.o.maxAttempts) return this.finish(item, { state: "dead", last_error: `gave up: ${reason}` });
    const delay = Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** (item.attempts - 1)) * (0.8 + Math.random() * 0.4);
    this.stats.retried++;
    this.finish(item, { state: "pending", not_before: iso(this.clock() + delay), last_error: reason });
  }

  private finish(item: Claimed, outcome: Omit<Outcome, "id" | "claimed_until">): void {
    if (outcome.state === "dead") this.stats.dead++;
    this.outcomes.push({ id: item.id, claimed_until: item.claimedUntil, ...outcome });
  }

  /** Gives claimed but unsent rows back (after a 429, or on stop), so any dispatcher may take them. */
  private releaseQueued(notBefore: number): void {
    for (const item of this.queue) this.finish(item, { state: "pending", not_before: iso(notBefore), untried: 1 });
    this.queue = [];
  }

  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    const outcomes = this.outcomes;
    const blocked = this.blockedUsers;
    this.outcomes = [];
    this.blockedUsers = [];
    this.lastFlush = this.clock();
    const now = iso(this.lastFlush);
    this.flushing = (async () => {
      try {
        if (outcomes.length > 0) {
          // Guarded by the claim: a row another dispatcher has taken again since is left alone.
          await this.deps.db.execute(sql`
            update outbox as o set
              state = v.state,
              not_before = coalesce(v.not_before, o.not_before),
              locked_until = null,
              attempts = o.attempts - coalesce(v.untried, 0),
              last_error = coalesce(v.last_error, o.last_error),
              sent_at = v.sent_at,
              updated_at = ${now}::timestamptz
            from jsonb_to_recordset(${JSON.stringify(outcomes)}::jsonb)
              as v(id bigint, claimed_until timestamptz, state text, not_before timestamptz, last_error text, sent_at timestamptz, untried int)
            where o.id = v.id and o.state = 'sending' and o.locked_until = v.claimed_until`);
        }
        if (blocked.length > 0) {
          await this.deps.db
            .update(users)
            .set({ blockedAt: new Date(this.lastFlush), updatedAt: new Date(this.lastFlush) })
            .where(and(inArray(users.id, blocked), isNull(users.blockedAt)));
        }
      } catch (error) {
        this.deps.logger.warn({ err: error }, "could not write outbox outcomes; retrying");
        this.outcomes.unshift(...outcomes);
        this.blockedUsers.unshift(...blocked);
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }
}
