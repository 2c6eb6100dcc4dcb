import { and, inArray, isNull, sql } from "drizzle-orm";
import { type Api, GrammyError, HttpError } from "grammy";
import type { Logger } from "pino";
import type { Database } from "../db/client";
import { users } from "../db/schema";
import type { I18n } from "../i18n";
import { onEnqueued, type OutboxPayload } from "../db/outbox";
import { inQuietHours, quietHoursEnd } from "./quiet-hours";
import { type ButtonRenderer, type Rendered, render } from "./render";
import { OUTBOX_FLOOR, type ReplyPacer, replyPacer } from "./reply-rate";
import { rowsOf } from "../db/client";

/** Serialises claims across dispatchers, so send slots handed out by different instances never overlap. */
const CLAIM_LOCK = 7_203_118_101;
/** Telegram's sliding window for the global rate, plus a millisecond for clock rounding. */
const WINDOW_MS = 1001;
/** The `chat_limits` row that holds a bot-wide pause (no Telegram chat has id 0). */
const BOT_WIDE = 0;
/**
 * When a 429 is flood-wide. Telegram does not say whether a 429 is about one chat or about the whole bot, so:
 * a 429 delays only its own chat (by retry_after), unless 429s came for FLOOD_CHATS different chats within
 * FLOOD_WINDOW_MS. Per-chat gaps are kept from the database, so several chats answering 429 at once means the bot as
 * a whole is over Telegram's rate (e.g. replies and another instance's sends together): then this dispatcher stops
 * for the longest retry_after and writes a bot-wide pause that every dispatcher's next claim respects.
 */
const FLOOD_CHATS = 3;
const FLOOD_WINDOW_MS = 1000;
/** Another instance's published reply rate older than this is ignored (that instance has stopped). */
const REPLY_RATE_TTL = "3 seconds";
/** This process in `reply_rates` (the reply pacer is per process too). */
const INSTANCE = `${process.pid}:${Math.random().toString(36).slice(2, 10)}`;

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
  /** This process's direct replies: their recent rate is left to them (default: the process-wide pacer). */
  replies?: Pick<ReplyPacer, "perSecond">;
  /** The bot's username, for URL buttons that deep-link into the bot (channel posts). */
  botUsername?: string;
  /** Called with every claim's send slots once committed (tests check the schedule). */
  onClaimed?: (slots: Array<{ chatId: number; slot: number }>) => void;
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
  /** Of those, how often several chats at once made it a bot-wide pause. */
  floodPauses: number;
}

interface Claimed {
  id: number;
  chatId: number;
  slot: number;
  claimedUntil: string;
  payload: OutboxPayload;
  attempts: number;
  /** The chat's free_at before this claim (restored when the row is given back unsent). */
  prevFree: number;
  /** For an edit of a channel post: the post's message id (from channel_posts). */
  editMessageId?: number;
}

interface Outcome {
  id: number;
  chat_id: number;
  claimed_until: string;
  /** When the chat may get its next message. */
  free_at: string;
  state: "sent" | "pending" | "dead";
  not_before?: string;
  last_error?: string;
  sent_at?: string;
  /** Given back without a send: the claim's attempt is taken back. */
  untried?: 1;
  /** A channel post was sent: its message id goes into channel_posts (action, chat). */
  post_action?: number;
  post_message_id?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Sends outbox rows within Telegram's limits. Rows are claimed (pending → sending) in batches with
 * FOR UPDATE SKIP LOCKED, each with a send slot: slots are spaced 1/rate apart across all dispatchers on the
 * database (the claim takes an advisory lock and continues after the latest slot handed out), so several bot
 * instances share both the work and the one global rate, minus what direct replies use (see reply-rate.ts).
 * Per-chat gaps live in `chat_limits`, read and written under the same lock: a chat has one message in flight at a
 * time, and its next one is claimed only for a slot after the answer to the last plus the chat's gap, whichever
 * dispatcher sends it. A claim not written back within `claimTtlMs` after its slot is taken again by the next claim:
 * after a crash, at most the rows that were claimed (in flight) are sent twice, and none is lost.
 */
export class Dispatcher {
  readonly stats: DispatcherStats = {
    sent: 0,
    dead: 0,
    blocked: 0,
    retried: 0,
    deferred: 0,
    rateLimited: 0,
    floodPauses: 0,
  };
  private readonly o: Required<
    Omit<
      DispatcherOptions,
      "db" | "api" | "i18n" | "logger" | "buttons" | "clock" | "replies" | "onClaimed" | "botUsername"
    >
  >;
  private readonly clock: () => number;
  /** Milliseconds between send slots: the global rate less the replies' share, recomputed at every claim. */
  private spacing: number;
  private queue: Claimed[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private outcomes: Outcome[] = [];
  private blockedUsers: number[] = [];
  /** The latest `rate` local sends, in start order, with the moment each was answered. */
  private readonly recent: Array<{ done?: number }> = [];
  /** Recent 429s (chat, when), to tell one busy chat from a flood. */
  private recent429: Array<{ chatId: number; at: number }> = [];
  private pausedUntil = 0;
  /** A bot-wide pause not yet written to the database. */
  private pauseToPublish = 0;
  /** When the loop last went round (liveness). */
  private lastBeat = 0;
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
    this.lastBeat = this.clock();
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

  /** Running, and its loop went round lately (it wakes at least every `idlePollMs`): for /healthz. */
  alive(now = this.clock()): boolean {
    return this.running && now - this.lastBeat < Math.max(30_000, this.o.idlePollMs * 10);
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
      this.lastBeat = now;
      const lastSlot = this.queue.at(-1)?.slot ?? 0;
      const wantsMore = this.queue.length < this.o.maxBatch / 2 && lastSlot < now + this.o.horizonMs / 2;
      if (wantsMore && !this.claiming && now >= this.nextClaimAt && now >= this.pausedUntil) {
        // Claims run beside the sends, so a slow claim never leaves a gap in the rate.
        this.claiming = this.claim(now)
          .then((result) => {
            this.nextClaimAt = result.retryAt;
            if (result.claimed === 0 && !result.soon && this.isIdle()) this.resolveIdle();
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
    let at = Math.min(this.claiming !== undefined ? Infinity : Math.max(this.nextClaimAt, this.pausedUntil), nextSend);
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
  private async claim(now: number): Promise<{ claimed: number; retryAt: number; soon: boolean }> {
    const { claimed, retryAt, soon } = await this.claimRows(now);
    // Queued only once committed: an outcome written back before the commit would not find the claim.
    this.queue.push(...claimed);
    if (claimed.length > 0) this.deps.onClaimed?.(claimed.map(({ chatId, slot }) => ({ chatId, slot })));
    return { claimed: claimed.length, retryAt, soon };
  }

  /** `soon`: a row is due within the horizon although none was claimed now (e.g. waiting for its chat's gap). */
  private claimRows(now: number): Promise<{ claimed: Claimed[]; retryAt: number; soon: boolean }> {
    const { claimTtlMs: ttl, horizonMs: horizon } = this.o;
    const replies = this.deps.replies ?? replyPacer;
    return this.deps.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${CLAIM_LOCK})`);
      await tx.execute(sql`
        update outbox set state = 'pending', locked_until = null, updated_at = ${iso(now)}::timestamptz
        where state = 'sending' and locked_until < ${iso(now)}::timestamptz`);
      // One statement: publish this process's reply rate, read every live instance's, the latest slot and a pause.
      const [shared] = rowsOf<{
        last: string | Date | null;
        paused: string | Date | null;
        replies: number | string | null;
      }>(
        await tx.execute(sql`
          with mine as (
            insert into reply_rates (instance, per_second, at) values (${INSTANCE}, ${replies.perSecond()}, ${iso(now)}::timestamptz)
            on conflict (instance) do update set per_second = excluded.per_second, at = excluded.at
            returning per_second)
          select (select max(locked_until) from outbox where state = 'sending') as last,
                 (select free_at from chat_limits where chat_id = ${BOT_WIDE}) as paused,
                 (select per_second from mine) + (
                   select coalesce(sum(per_second), 0) from reply_rates
                   where instance <> ${INSTANCE} and at > ${iso(now)}::timestamptz - ${REPLY_RATE_TTL}::interval) as replies`),
      );
      const paused = shared?.paused ? new Date(shared.paused).getTime() : 0;
      if (paused > now) {
        this.pausedUntil = Math.max(this.pausedUntil, paused);
        return { claimed: [], retryAt: paused, soon: true };
      }
      const rate = this.o.ratePerSecond;
      this.spacing = 1000 / (Math.max(rate * OUTBOX_FLOOR, rate - Number(shared?.replies ?? 0)) * this.o.rateMargin);
      let slot = shared?.last ? Math.max(now, new Date(shared.last).getTime() - ttl + this.spacing) : now;
      // Claim in chunks of at least a quarter of the horizon, so dispatchers sharing the rate take turns cheaply.
      const minRoom = Math.max(1, Math.min(this.o.maxBatch, Math.floor(horizon / this.spacing / 4)));
      const room = Math.min(this.o.maxBatch, Math.floor((now + horizon - slot) / this.spacing) + 1);
      if (room < minRoom) return { claimed: [], retryAt: slot - horizon + minRoom * this.spacing, soon: true };

      const rows = rowsOf<{
        id: string | number;
        chat_id: string | number;
        payload: OutboxPayload | string;
        priority: number;
        attempts: number;
        quiet_start: number | null;
        quiet_end: number | null;
        blocked: boolean | null;
        chat_free: string | Date | null;
        chat_busy: string | Date | null;
        /** When the chat's first earlier row still pending is due: a chat's messages go in order. */
        behind: string | Date | null;
        /** An edit of a channel post: the post's message id (null: the post was never sent). */
        edit_message_id: number | null;
      }>(
        await tx.execute(sql`
          select o.id, o.chat_id, o.priority, o.attempts,
                 -- A broadcast's rows carry only its id: its text and photo are stored once, in the broadcasts row
                 -- (added to the row's own params: an announcement's region).
                 case when b.id is null then o.payload
                   else o.payload || jsonb_strip_nulls(jsonb_build_object(
                     'params', coalesce(o.payload -> 'params', '{}'::jsonb) || jsonb_build_object('text', b.text),
                     'photo', b.photo_file_id)) end as payload,
                 u.quiet_start_minute as quiet_start, u.quiet_end_minute as quiet_end, u.blocked_at is not null as blocked,
                 cl.free_at as chat_free, cl.busy_until as chat_busy,
                 (select e.not_before from outbox e
                  where e.chat_id = o.chat_id and e.state = 'pending' and e.id < o.id and e.priority <= o.priority
                  order by e.id limit 1) as behind,
                 case when o.kind = 'edit' then (
                   select cp.message_id from channel_posts cp
                   where cp.chat_id = o.chat_id and cp.action_id = (o.payload #>> '{post,actionId}')::int) end as edit_message_id
          from outbox o
          left join users u on u.id = o.chat_id
          left join chat_limits cl on cl.chat_id = o.chat_id
          left join broadcasts b on o.kind = 'broadcast' and b.id = (o.payload ->> 'broadcast')::int
          where o.state = 'pending' and o.not_before <= ${iso(now)}::timestamptz
          order by o.priority, o.not_before, o.id
          limit ${room}
          for update of o skip locked`),
      );
      if (rows.length === 0) {
        const [next] = rowsOf<{ at: string | Date | null }>(
          await tx.execute(sql`select min(not_before) as at from outbox where state = 'pending'`),
        );
        const at = next?.at ? new Date(next.at).getTime() : Infinity;
        return {
          claimed: [],
          retryAt: Math.max(now + 20, Math.min(at, now + this.o.idlePollMs)),
          soon: at <= now + horizon,
        };
      }

      const nowDate = new Date(now);
      const updates: Array<Record<string, unknown>> = [];
      const chatUpdates: Array<{ chat_id: number; free_at: string; busy_until: string }> = [];
      const chats = new Map<number, { free: number; busy: boolean; waiting: number }>();
      const claimed: Claimed[] = [];
      let nextDue = Infinity;
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
        const quiet =
          row.quiet_start === null || row.quiet_end === null
            ? undefined
            : { startMinute: row.quiet_start, endMinute: row.quiet_end };
        // Quiet hours hold a normal message until the morning, unless it would expire by then (a reminder reached
        // late, after a backlog or a restart): better a reminder at night than none before the action.
        const quietEnd =
          row.priority > 0 && quiet && inQuietHours(nowDate, quiet) ? quietHoursEnd(nowDate, quiet) : undefined;
        const expiresInQuiet = Boolean(
          quietEnd && payload.expiresAt && new Date(payload.expiresAt).getTime() <= quietEnd.getTime(),
        );
        if (expiresInQuiet && payload.dropInQuietHours) {
          updates.push({ id, state: "dead", attempt: 0, last_error: "would arrive in quiet hours" });
          this.stats.dead++;
          continue;
        }
        if (quietEnd && !expiresInQuiet) {
          updates.push({ id, state: "pending", attempt: 0, not_before: quietEnd.toISOString() });
          this.stats.deferred++;
          continue;
        }
        const interval = this.chatInterval(chatId);
        let chat = chats.get(chatId);
        const behindAt = row.behind === null ? undefined : new Date(row.behind).getTime();
        const expiresAt = payload.expiresAt ? new Date(payload.expiresAt).getTime() : Number.POSITIVE_INFINITY;
        if (!chat && behindAt !== undefined && behindAt < expiresAt) {
          // An earlier message of the chat is still pending (deferred, backing off, or later in this batch): wait
          // until it is due; it goes first. Unless this one would expire waiting (a reminder behind a message held
          // for the morning or backing off for hours): then it goes out of order rather than never.
          const notBefore = Math.max(behindAt, now + 50);
          nextDue = Math.min(nextDue, notBefore);
          updates.push({ id, state: "pending", attempt: 0, not_before: iso(notBefore) });
          continue;
        }
        if (!chat) {
          const busyUntil = row.chat_busy ? new Date(row.chat_busy).getTime() : 0;
          chat = { free: row.chat_free ? new Date(row.chat_free).getTime() : 0, busy: busyUntil > now, waiting: 0 };
          chats.set(chatId, chat);
        }
        if (chat.busy || chat.free > slot) {
          // Not this chat's turn: due again when it should be free (an estimate while a message is in flight: its
          // slot plus the gap), the chat's later rows in this batch a gap apart each, so they keep their order.
          const notBefore = Math.max(chat.free, now + 50) + chat.waiting * interval;
          chat.waiting++;
          nextDue = Math.min(nextDue, notBefore);
          updates.push({ id, state: "pending", attempt: 0, not_before: iso(notBefore) });
          continue;
        }
        const editMessageId = payload.post?.edit ? row.edit_message_id : undefined;
        if (editMessageId === null) {
          // The post it would edit was never sent (its row failed): nothing to edit.
          updates.push({ id, state: "dead", attempt: 0, last_error: "no channel post to edit" });
          this.stats.dead++;
          continue;
        }
        const claimedUntil = iso(slot + ttl);
        updates.push({ id, state: "sending", attempt: 1, locked_until: claimedUntil });
        claimed.push({
          id,
          chatId,
          slot,
          claimedUntil,
          payload,
          attempts: row.attempts + 1,
          prevFree: chat.free,
          ...(editMessageId === undefined ? {} : { editMessageId: Number(editMessageId) }),
        });
        chat.free = slot + interval;
        chat.busy = true;
        chatUpdates.push({ chat_id: chatId, free_at: iso(chat.free), busy_until: claimedUntil });
        slot += this.spacing;
      }
      await tx.execute(sql`
        with claimed as (
          update outbox as o set
            state = v.state,
            not_before = coalesce(v.not_before, o.not_before),
            locked_until = v.locked_until,
            attempts = o.attempts + v.attempt,
            last_error = coalesce(v.last_error, o.last_error),
            updated_at = ${iso(now)}::timestamptz
          from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb)
            as v(id bigint, state text, not_before timestamptz, locked_until timestamptz, attempt int, last_error text)
          where o.id = v.id)
        insert into chat_limits (chat_id, free_at, busy_until)
        select chat_id, free_at, busy_until
        from jsonb_to_recordset(${JSON.stringify(chatUpdates)}::jsonb) as c(chat_id bigint, free_at timestamptz, busy_until timestamptz)
        on conflict (chat_id) do update set free_at = excluded.free_at, busy_until = excluded.busy_until`);
      // A full batch may have more due rows behind it: look again at once.
      const more = claimed.length > 0 || rows.length >= room;
      const retryAt = more ? now : Math.max(now + 20, Math.min(nextDue, now + this.o.idlePollMs));
      return { claimed, retryAt, soon: more || nextDue <= now + horizon };
    });
  }

  /**
   * Starts every send whose slot has come, within the sliding window and the in-flight cap.
   * Returns when the next queued row could go (Infinity: when a send in flight is answered).
   */
  private pump(now: number): number {
    if (now < this.pausedUntil) return this.pausedUntil;
    const rate = Math.max(1, Math.floor(this.o.ratePerSecond));
    while (this.queue.length > 0) {
      if (this.inflight.size >= this.o.maxInFlight) return Infinity;
      const item = this.queue[0]!;
      if (item.slot > now) return item.slot;
      if (item.slot + this.o.claimTtlMs / 2 <= now) {
        // The claim has run out (this process stalled): another dispatcher may have taken the row.
        this.queue.shift();
        continue;
      }
      const windowFree = this.windowFreeAt(rate);
      if (windowFree > now) return windowFree;
      this.queue.shift();
      const entry: { done?: number } = {};
      this.recent.push(entry);
      if (this.recent.length > rate) this.recent.shift();
      const sending = this.send(item).finally(() => {
        entry.done ??= this.clock();
        this.inflight.delete(sending);
        this.wake();
      });
      this.inflight.add(sending);
    }
    return Infinity;
  }

  private async send(item: Claimed): Promise<void> {
    let rendered: Rendered;
    try {
      rendered = render(this.deps.i18n, item.payload, this.deps.buttons, undefined, this.deps.botUsername);
      if (item.editMessageId !== undefined && rendered.method === "sendMessage") {
        rendered = { method: "editMessageText", params: { ...rendered.params, message_id: item.editMessageId } };
      }
    } catch (error) {
      return this.finish(item, { state: "dead", last_error: `render: ${(error as Error).message}` }, item.prevFree);
    }
    const menu = rendered.method === "setMyCommands" || rendered.method === "deleteMyCommands";
    const params: Record<string, unknown> = menu
      ? { ...rendered.params, scope: { type: "chat", chat_id: item.chatId } }
      : { chat_id: item.chatId, ...rendered.params };
    if (!menu && ((rendered.method !== "copyMessage" && rendered.method !== "sendVenue") || "caption" in params))
      params.parse_mode = "HTML";
    if (this.o.paidBroadcast && !menu) params.allow_paid_broadcast = true;
    try {
      const raw = this.deps.api.raw as unknown as Record<string, (params: object) => Promise<unknown>>;
      const result = (await raw[rendered.method]!(params)) as { message_id?: number } | true;
      const done = this.clock();
      this.stats.sent++;
      const post =
        item.payload.post && !item.payload.post.edit && typeof result === "object" && result.message_id
          ? { post_action: item.payload.post.actionId, post_message_id: result.message_id }
          : {};
      // The chat's next message waits a full gap after this one was answered.
      this.finish(item, { state: "sent", sent_at: iso(done), ...post }, done + this.chatInterval(item.chatId));
    } catch (error) {
      if (
        item.editMessageId !== undefined &&
        error instanceof GrammyError &&
        error.description.includes("message is not modified")
      ) {
        // The post already shows this: done.
        const done = this.clock();
        this.stats.sent++;
        this.finish(item, { state: "sent", sent_at: iso(done) }, done + this.chatInterval(item.chatId));
        return;
      }
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
        const flood = this.isFlood(item.chatId, now);
        this.deps.logger.warn(
          { retryAfter: waitMs / 1000, chatId: item.chatId, flood },
          "Telegram asked to slow down (429)",
        );
        // The chat waits retry_after in any case; a flood stops every send of the bot as well.
        this.finish(item, { state: "pending", not_before: iso(now + waitMs), last_error: reason }, now + waitMs);
        if (flood) {
          this.stats.floodPauses++;
          this.pausedUntil = Math.max(this.pausedUntil, now + waitMs);
          this.pauseToPublish = this.pausedUntil;
          this.releaseQueued(this.pausedUntil);
        }
        return;
      }
      if (error.error_code === 403) {
        this.stats.blocked++;
        if (item.chatId > 0) this.blockedUsers.push(item.chatId);
        this.finish(item, { state: "dead", last_error: reason }, now);
        return;
      }
      if (error.error_code >= 400 && error.error_code < 500)
        this.finish(item, { state: "dead", last_error: reason }, now);
      else this.retry(item, reason);
      return;
    }
    const reason = error instanceof HttpError ? `network: ${String(error.error)}` : `error: ${String(error)}`;
    this.retry(item, reason);
  }

  /** Whether this 429 makes FLOOD_CHATS different chats within FLOOD_WINDOW_MS (see FLOOD_CHATS). */
  private isFlood(chatId: number, now: number): boolean {
    this.recent429 = this.recent429.filter((r) => r.at > now - FLOOD_WINDOW_MS);
    this.recent429.push({ chatId, at: now });
    return new Set(this.recent429.map((r) => r.chatId)).size >= FLOOD_CHATS;
  }

  private retry(item: Claimed, reason: string): void {
    const now = this.clock();
    // A failed request is not a message in the chat: the chat is free again (its last message was a gap ago).
    if (item.attempts >= this.o.maxAttempts) {
      this.finish(item, { state: "dead", last_error: `gave up: ${reason}` }, now);
      return;
    }
    const delay =
      Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** (item.attempts - 1)) * (0.8 + Math.random() * 0.4);
    this.stats.retried++;
    this.finish(item, { state: "pending", not_before: iso(now + delay), last_error: reason }, now);
  }

  private finish(
    item: Claimed,
    outcome: Omit<Outcome, "id" | "chat_id" | "claimed_until" | "free_at">,
    chatFreeAt: number,
  ): void {
    if (outcome.state === "dead") this.stats.dead++;
    this.outcomes.push({
      id: item.id,
      chat_id: item.chatId,
      claimed_until: item.claimedUntil,
      free_at: iso(chatFreeAt),
      ...outcome,
    });
  }

  /** Gives claimed but unsent rows back (after a flood-wide 429, or on stop), so any dispatcher may take them. */
  private releaseQueued(notBefore: number): void {
    for (const item of this.queue)
      this.finish(item, { state: "pending", not_before: iso(notBefore), untried: 1 }, item.prevFree);
    this.queue = [];
  }

  private flush(): Promise<void> {
    if (this.flushing !== undefined) return this.flushing;
    const outcomes = this.outcomes;
    const blocked = this.blockedUsers;
    const pause = this.pauseToPublish;
    this.outcomes = [];
    this.blockedUsers = [];
    this.pauseToPublish = 0;
    this.lastFlush = this.clock();
    const now = iso(this.lastFlush);
    this.flushing = (async () => {
      try {
        if (outcomes.length > 0) {
          // Guarded by the claim: a row (or chat) another dispatcher has taken again since is left alone.
          await this.deps.db.execute(sql`
            with v as (
              select * from jsonb_to_recordset(${JSON.stringify(outcomes)}::jsonb)
                as v(id bigint, chat_id bigint, claimed_until timestamptz, free_at timestamptz, state text,
                     not_before timestamptz, last_error text, sent_at timestamptz, untried int,
                     post_action int, post_message_id int)),
            posts as (
              update channel_posts as p set message_id = v.post_message_id, updated_at = ${now}::timestamptz
              from v where v.post_action is not null and p.action_id = v.post_action and p.chat_id = v.chat_id),
            chats as (
              update chat_limits as c set free_at = v.free_at, busy_until = null
              from v where c.chat_id = v.chat_id and c.busy_until = v.claimed_until)
            update outbox as o set
              state = v.state,
              not_before = coalesce(v.not_before, o.not_before),
              locked_until = null,
              attempts = o.attempts - coalesce(v.untried, 0),
              last_error = coalesce(v.last_error, o.last_error),
              sent_at = v.sent_at,
              updated_at = ${now}::timestamptz
            from v
            where o.id = v.id and o.state = 'sending' and o.locked_until = v.claimed_until`);
        }
        if (pause > 0) {
          await this.deps.db.execute(sql`
            insert into chat_limits (chat_id, free_at) values (${BOT_WIDE}, ${iso(pause)}::timestamptz)
            on conflict (chat_id) do update set free_at = greatest(chat_limits.free_at, excluded.free_at)`);
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
        this.pauseToPublish = Math.max(this.pauseToPublish, pause);
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }
}
