/**
 * Updates on their way to the bot: the pending queue, getUpdates with long polling (409 for a second poller),
 * allowed_updates, and the webhook settings (a webhook is stored, not called: updates stay queued).
 */
import type { Update } from "grammy/types";
import { ABORTED, type Handler, type ReqCtx } from "./http";
import { clean, flag, optNum, optStr, type Params } from "./params";
import { ApiError, bad } from "./types";

/** Update types Telegram leaves out unless allowed_updates asks for them. */
const NOT_DEFAULT_UPDATES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

interface Waiter {
  limit: number;
  superseded: boolean;
  finish(r: Update[] | typeof ABORTED | ApiError): void;
}

interface Webhook {
  url: string;
  secret_token?: string;
  max_connections?: number;
  allowed_updates?: string[];
}

export class UpdateQueue {
  private queue: Update[] = [];
  private nextUpdateId = 100_000;
  private readonly waiters = new Set<Waiter>();
  private wakeScheduled = false;
  private allowedUpdates: Set<string> | undefined;
  private webhook: Webhook | undefined;
  private closing = false;

  /** `announce` is told of every new update (the emulator's "update" event). */
  constructor(private readonly announce: (update: Update) => void) {}

  enqueue(partial: Omit<Update, "update_id">): Update {
    const update = { update_id: this.nextUpdateId++, ...partial } as Update;
    this.queue.push(update);
    this.announce(update);
    // Deliver on a microtask so updates pushed together arrive in one getUpdates answer.
    if (!this.wakeScheduled) {
      this.wakeScheduled = true;
      queueMicrotask(() => {
        this.wakeScheduled = false;
        const w = [...this.waiters].reverse().find((x) => !x.superseded);
        if (!w) return;
        const ready = this.deliverable(w.limit);
        if (ready.length > 0) w.finish(ready);
      });
    }
    return update;
  }

  /** Long polls held open right now. */
  pendingPolls(): number {
    return this.waiters.size;
  }

  pendingUpdates(): number {
    return this.queue.length;
  }

  /** Answers every open long poll with nothing; later polls return at once. */
  close(): void {
    this.closing = true;
    for (const w of [...this.waiters]) w.finish([]);
  }

  private deliverable(limit: number): Update[] {
    // Telegram never delivers update types outside allowed_updates, so they are dropped.
    this.queue = this.queue.filter((u) => {
      const type = Object.keys(u).find((k) => k !== "update_id") ?? "";
      return this.allowedUpdates ? this.allowedUpdates.has(type) : !NOT_DEFAULT_UPDATES.has(type);
    });
    return this.queue.slice(0, limit);
  }

  private getUpdates(p: Params, { res }: ReqCtx): Update[] | Promise<Update[] | typeof ABORTED> {
    if (this.webhook) {
      throw new ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    const offset = optNum(p.offset, "offset");
    const limit = Math.min(100, Math.max(1, optNum(p.limit, "limit") ?? 100));
    const timeout = Math.max(0, optNum(p.timeout, "timeout") ?? 0);
    if (Array.isArray(p.allowed_updates)) {
      this.allowedUpdates = p.allowed_updates.length ? new Set(p.allowed_updates.map(String)) : undefined;
    }
    if (offset !== undefined && offset > 0) this.queue = this.queue.filter((u) => u.update_id >= offset);
    if (offset !== undefined && offset < 0) this.queue = this.queue.slice(offset);

    // Like Telegram, a new getUpdates terminates an older one with 409. The grace period lets a
    // client that aborted its poll (grammY's bot.stop()) be seen as gone first: that is no conflict.
    for (const w of this.waiters) {
      if (w.superseded) continue;
      w.superseded = true;
      setTimeout(
        () =>
          w.finish(
            new ApiError(
              409,
              "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
            ),
          ),
        50,
      ).unref();
    }

    const ready = this.deliverable(limit);
    if (ready.length > 0 || timeout === 0 || this.closing) return ready;
    return new Promise((resolve, reject) => {
      let settled = false;
      const w: Waiter = {
        limit,
        superseded: false,
        finish: (r) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.waiters.delete(w);
          if (r instanceof ApiError) reject(r);
          else resolve(r);
        },
      };
      const timer = setTimeout(() => w.finish([]), timeout * 1000);
      timer.unref();
      // The client gave up (abort, bot.stop()). Nothing is lost: updates leave the queue only when an offset confirms them.
      res.on("close", () => {
        if (!res.writableEnded) w.finish(ABORTED);
      });
      this.waiters.add(w);
    });
  }

  /** getUpdates and the webhook methods. */
  methods(): Record<string, Handler> {
    return {
      getUpdates: (p, ctx) => this.getUpdates(p, ctx),

      setWebhook: (p) => {
        const url = optStr(p.url, "url") ?? "";
        if (url !== "") {
          let parsed: URL;
          try {
            parsed = new URL(url);
          } catch {
            throw bad("bad webhook: Failed to resolve host: Name or service not known");
          }
          if (parsed.protocol !== "https:") throw bad("bad webhook: An HTTPS URL must be provided for webhook");
          if (!["", "80", "88", "443", "8443"].includes(parsed.port)) {
            throw bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443");
          }
        }
        const secret = optStr(p.secret_token, "secret_token");
        if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret))
          throw bad("secret token contains unallowed characters");
        const maxConnections = optNum(p.max_connections, "max_connections");
        if (maxConnections !== undefined && (maxConnections < 1 || maxConnections > 100))
          throw bad("bad webhook: max_connections must be between 1 and 100");
        if (flag(p.drop_pending_updates)) this.queue = [];
        if (Array.isArray(p.allowed_updates))
          this.allowedUpdates = p.allowed_updates.length ? new Set(p.allowed_updates.map(String)) : undefined;
        this.webhook =
          url === ""
            ? undefined
            : clean({
                url,
                secret_token: secret,
                max_connections: maxConnections,
                allowed_updates: this.allowedUpdates && [...this.allowedUpdates],
              });
        return true;
      },
      deleteWebhook: (p) => {
        this.webhook = undefined;
        if (flag(p.drop_pending_updates)) this.queue = [];
        return true;
      },
      getWebhookInfo: () =>
        clean({
          url: this.webhook?.url ?? "",
          has_custom_certificate: false,
          pending_update_count: this.queue.length,
          max_connections: this.webhook?.max_connections,
          allowed_updates: this.webhook?.allowed_updates,
        }),
    };
  }
}
