import { createRequire } from "node:module";
import { autoRetry } from "@grammyjs/auto-retry";
import { type ApiClientOptions, HttpError, InputFile, type Transformer } from "grammy";
import { type LightResponse, lightFetch } from "./light-fetch";

/**
 * Direct replies (what handlers send through ctx / bot.api) and the outbox share Telegram's one global rate of about
 * 30 messages per second. Replies go first, the outbox takes what is left:
 *
 * - Replies are paced in this process to at most REPLY_SHARE of the free rate (a sliding one-second window, first
 *   come first served), so a burst of new users queues here for a moment instead of drawing a storm of 429s. Under
 *   that share a reply never waits, and the pacing costs no database round trip: a returning user's button press
 *   stays cheap. The pacing sits below grammY's transformers, where only what really goes to Telegram passes (in
 *   `directJsonCalls`, the bot's innermost transformer, and in `pacedFetch`, the client's fetch, for conversations
 *   and uploads): conversations replay their earlier API calls from the log on every update, and pacing above their
 *   replay would make every replay wait for a slot again.
 * - The pacer counts what it lets through. Each dispatcher publishes its process's recent reply rate with every
 *   claim (one row per process in `reply_rates`, in the claim transaction it runs anyway) and slows its send slots to
 *   the global rate minus the replies of every instance, keeping at least OUTBOX_FLOOR of it so the queue never stops.
 * - What still collides (several instances replying at full share at once, the second or two before the dispatcher
 *   sees a burst) is answered 429 by Telegram: replies then wait `retry_after` and try again, and the dispatcher
 *   backs off by its own rules. Slowed, never lost. JSON requests are retried by `pacedJson` (beneath both), below the
 *   conversations' replay log (a replayed step never waits again); uploads, whose body can be sent only once, by
 *   the transformers in `directReplyLimits`. One layer per request, never both.
 */
export const TELEGRAM_FREE_RATE = 30;
/** The outbox keeps at least this share of the global rate, however busy the replies. */
export const OUTBOX_FLOOR = 0.1;
const REPLY_SHARE = 1 - OUTBOX_FLOOR;
const WINDOW_MS = 1000;
/** The rate published is averaged over this long. */
const METER_MS = 2000;

/** Methods that put a message into a chat (counted by Telegram's rate limit); edits and answers are not. */
export function isSend(method: string): boolean {
  return (
    (method.startsWith("send") && method !== "sendChatAction") ||
    method === "copyMessage" ||
    method === "forwardMessage"
  );
}

export class ReplyPacer {
  /** Start times of the latest sends (at most `limit` kept for pacing, METER_MS for the meter). */
  private starts: number[] = [];
  private readonly limit: number;

  constructor(
    ratePerSecond = TELEGRAM_FREE_RATE * REPLY_SHARE,
    private readonly clock: () => number = Date.now,
  ) {
    this.limit = Math.max(1, Math.floor(ratePerSecond));
  }

  /** Reserves the next start within the window and resolves when it comes (at once while under the share). */
  async acquire(): Promise<void> {
    const now = this.clock();
    while (this.starts.length > 0 && this.starts[0]! <= now - METER_MS) this.starts.shift();
    const back = this.starts.length - this.limit;
    const at = back >= 0 ? Math.max(now, this.starts[back]! + WINDOW_MS) : now;
    this.starts.push(at);
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }

  /** Replies per second lately (what the dispatcher leaves to them). */
  perSecond(): number {
    const now = this.clock();
    let n = 0;
    for (const at of this.starts) if (at > now - METER_MS && at <= now) n++;
    return (n * 1000) / METER_MS;
  }
}

/** The replies of this process (one Telegram bot per process). */
export const replyPacer = new ReplyPacer();

// grammY's own fetch on Node (node-fetch, resolved from grammY's package, so file uploads keep working as before).
const grammyFetch = createRequire(createRequire(import.meta.url).resolve("grammy"))("node-fetch") as typeof fetch;

/** Telegram's 429 answered below the replay log: waits up to this long, this many times. */
const MAX_RETRY_AFTER_S = 10;
const MAX_FETCH_RETRIES = 5;

/** A body that can be sent again as it is (grammY sends JSON as a string; uploads as a one-time stream). */
function replayable(body: unknown): boolean {
  return body === undefined || body === null || typeof body === "string";
}

async function retryAfterOf(response: LightResponse): Promise<number | undefined> {
  try {
    const answer = (await response.clone().json()) as { parameters?: { retry_after?: number } };
    return answer.parameters?.retry_after;
  } catch {
    return undefined;
  }
}

/**
 * A JSON request to the Bot API, paced when it sends a message; a 429 or a lost connection is retried here, below
 * grammY's transformers, so a conversation's replay log records only the final answer (a retry in a transformer
 * would wait again each time the conversation replays that step).
 */
async function pacedJson(url: string, method: string, body: string, signal: AbortSignal | undefined) {
  const send = isSend(method);
  for (let attempt = 0; ; attempt++) {
    if (send) await replyPacer.acquire();
    let response: LightResponse;
    try {
      response = await lightFetch(url, { method: "POST", headers: JSON_HEADERS, body, signal });
    } catch (error) {
      // Once more after a second, but only when no answer had begun: a connection that broke mid-answer may have
      // delivered the message already (see retryNetworkOnce for the trade-off).
      if (attempt > 0 || signal?.aborted || (error as { answerBegun?: boolean }).answerBegun) throw error;
      await sleep(1000, signal);
      continue;
    }
    if (response.status !== 429 || attempt >= MAX_FETCH_RETRIES) return response;
    const wait = await retryAfterOf(response);
    if (wait === undefined || wait > MAX_RETRY_AFTER_S) return response;
    await sleep(wait * 1000, signal);
  }
}

const JSON_HEADERS = { "content-type": "application/json", connection: "keep-alive" };

/**
 * The bot's fetch (client option `fetch`), for the requests grammY's own client still makes: uploads (a one-time
 * stream, left to node-fetch and to the transformers in directReplyLimits) and the calls of conversations, whose
 * replay sits among the transformers. Sends wait for the pacer.
 */
export const pacedFetch = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const method = url.slice(url.lastIndexOf("/") + 1);
  if (replayable(init?.body) && url.startsWith("http")) {
    const body = typeof init?.body === "string" ? init.body : "{}";
    return (await pacedJson(url, method, body, init?.signal ?? undefined)) as unknown as Response;
  }
  if (isSend(method)) await replyPacer.acquire();
  return grammyFetch(input, init);
}) as typeof fetch;

/** grammY's JSON body: fields that are null are left out, as grammY's client does. */
function jsonBody(payload: unknown): string {
  const json = JSON.stringify(payload ?? {});
  // Without a null anywhere the replacer would change nothing (most payloads): no second pass.
  return json.includes("null") ? JSON.stringify(payload, (_key, value) => value ?? undefined) : json;
}

/**
 * The bot's own JSON calls, made here instead of by grammY's client (installed first, so beneath every other
 * transformer): the same request, pacing and retries as pacedFetch, without the abort controller, timers and
 * promise race grammY's client sets up around each request (5–7% of the memory allocated per button press).
 * Uploads go on to grammY's client. Not for a conversation's Api, whose replay transformer must see every call.
 */
export function directJsonCalls(token: string, client: ApiClientOptions = {}): Transformer {
  // What grammY's client would do differently for these options: leave the calls to it.
  if (client.buildUrl || client.environment === "test" || client.canUseWebhookReply || client.timeoutSeconds) {
    return (prev, method, payload, signal) => prev(method, payload, signal);
  }
  const root = client.apiRoot ?? "https://api.telegram.org";
  return async (prev, method, payload, signal) => {
    if (hasUpload(payload)) return prev(method, payload, signal);
    try {
      const response = await pacedJson(
        `${root}/bot${token}/${method}`,
        method,
        jsonBody(payload),
        signal as AbortSignal | undefined, // grammY's polyfill: undici and sleep use what it has
      );
      return (await response.json()) as Awaited<ReturnType<typeof prev>>;
    } catch (error) {
      throw new HttpError(`Network request for '${method}' failed!`, error);
    }
  };
}

/** Waits, unless grammY aborts the request meanwhile (a timeout, or the bot stopping). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error("aborted"));
    const timer = setTimeout(done, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    };
    function done() {
      signal?.removeEventListener("abort", abort);
      resolve();
    }
    signal?.addEventListener("abort", abort, { once: true });
  });
}

/**
 * A request that never got an answer (a connection reset, e.g. a kept-alive socket the server had just closed) is
 * tried again once after a second: a reply in the middle of onboarding is worth more than the rare duplicate of a
 * message Telegram did receive before the connection broke.
 */
const retryNetworkOnce: Transformer = async (prev, method, payload, signal) => {
  try {
    return await prev(method, payload, signal);
  } catch (error) {
    if (!(error instanceof HttpError) || signal?.aborted) throw error;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return prev(method, payload, signal);
  }
};

/**
 * A callback query can be answered only once and only for a while: when a burst has kept a press waiting too long,
 * its toast is lost, but the update goes on (its screen is still sent or edited).
 */
const lateCallbackAnswer: Transformer = async (prev, method, payload, signal) => {
  const result = await prev(method, payload, signal);
  if (!result.ok && method === "answerCallbackQuery" && result.description.includes("query is too old")) {
    return { ok: true, result: true as never };
  }
  return result;
};

/**
 * What the bot's Api needs for direct replies (with `pacedFetch` as its fetch): Telegram's 429s retried after `retry_after`
 * (up to 10 s, 5 times; 5xx are not retried, the send may have gone through), a lost connection tried once more,
 * a late callback answer let go. Not for the dispatcher's Api, which handles 429 and failures itself.
 */
export const directReplyLimits: Transformer[] = [
  forUploads(
    autoRetry({ maxDelaySeconds: 10, maxRetryAttempts: 5, rethrowHttpErrors: true, rethrowInternalServerErrors: true }),
    retryNetworkOnce,
  ),
  lateCallbackAnswer,
];

/** True when grammY sends this payload as an upload (multipart with a one-time stream), not as JSON. */
export function hasUpload(payload: unknown): boolean {
  if (payload instanceof InputFile) return true;
  if (payload === null || typeof payload !== "object") return false;
  for (const key in payload) if (hasUpload((payload as Record<string, unknown>)[key])) return true;
  return false;
}

/** Transformers for uploads only (the first one innermost): JSON requests are retried in pacedJson already. */
function forUploads(...transformers: Transformer[]): Transformer {
  return (prev, method, payload, signal) => {
    if (!hasUpload(payload)) return prev(method, payload, signal);
    const call = transformers.reduce<typeof prev>((inner, t) => (m, p, s) => t(inner, m, p, s), prev);
    return call(method, payload, signal);
  };
}

/**
 * Inside conversations: only what does not wait. Their calls send JSON, which pacedFetch retries below the replay
 * log; a retrying transformer here would sleep again on every replay of the step.
 */
export const conversationReplyLimits: Transformer[] = [lateCallbackAnswer];
