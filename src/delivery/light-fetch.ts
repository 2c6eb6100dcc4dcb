import { Agent } from "undici";

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

/** Kept-alive connections, a pool per Bot API server (in production only Telegram's); idle ones close by themselves. */
const agent = new Agent();

/**
 * undici gave up waiting for the answer's headers (300 s): the request had been sent in full, so it may have been
 * carried out, and sending it again could duplicate a message.
 */
const SENT_IN_FULL = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/**
 * A Bot API request with a JSON body over undici's connection pool (`request`, not its fetch): what node-fetch did
 * for these requests at a fraction of the CPU. node-fetch's Request/Response/Headers/stream machinery and then
 * node:http's client were the largest part of the bot's own CPU per button press. Uploads (stream bodies) are not
 * for it. A failure carries `answerBegun`: whether the server had begun to answer, or had the whole request and let
 * the wait time out (then it may have carried it out, and a retry could duplicate it).
 */
export async function lightFetch(url: string, init: LightInit): Promise<LightResponse> {
  const target = new URL(url);
  let answerBegun = false;
  try {
    const response = await agent.request({
      origin: target.origin,
      path: target.pathname + target.search,
      method: init.method === "POST" ? "POST" : "GET",
      headers: init.headers,
      body: typeof init.body === "string" ? init.body : undefined,
      signal: init.signal ?? undefined,
    });
    answerBegun = true;
    return respond(response.statusCode, await response.body.text());
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw Object.assign(error as Error, { answerBegun: answerBegun || (code !== undefined && SENT_IN_FULL.has(code)) });
  }
}
