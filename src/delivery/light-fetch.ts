import { Pool } from "undici";

/**
 * The part of a fetch Response the Bot API client uses: the status and the JSON body (clone() for a second read).
 */
export interface LightResponse {
  status: number;
  ok: boolean;
  json(): Promise<unknown>;
  clone(): LightResponse;
}

interface LightInit {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal | null;
}

function respond(status: number, text: string): LightResponse {
  return {
    status,
    ok: status >= 200 && status < 300,
    json: async () => JSON.parse(text),
    clone: () => respond(status, text),
  };
}

/** One pool of kept-alive connections per Bot API server (in production only Telegram's). */
const pools = new Map<string, Pool>();

function poolFor(origin: string): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin);
    pools.set(origin, pool);
  }
  return pool;
}

/**
 * A Bot API request with a JSON body over undici's connection pool (`request`, not its fetch): what node-fetch did
 * for these requests at a fraction of the CPU. node-fetch's Request/Response/Headers/stream machinery and then
 * node:http's client were the largest part of the bot's own CPU per button press. Uploads (stream bodies) are not
 * for it. A failure carries `answerBegun`: whether the server had begun to answer (then the request reached it, and
 * a retry could duplicate it).
 */
export async function lightFetch(url: string, init: LightInit): Promise<LightResponse> {
  const target = new URL(url);
  let answerBegun = false;
  try {
    const response = await poolFor(target.origin).request({
      path: target.pathname + target.search,
      method: (init.method ?? "GET") as "POST",
      headers: init.headers,
      body: typeof init.body === "string" ? init.body : undefined,
      signal: init.signal ?? undefined,
    });
    answerBegun = true;
    return respond(response.statusCode, await response.body.text());
  } catch (error) {
    throw Object.assign(error as Error, { answerBegun });
  }
}
