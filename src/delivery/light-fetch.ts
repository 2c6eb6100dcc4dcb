import http from "node:http";
import https from "node:https";

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
  agent?: http.Agent;
}

function respond(status: number, text: string): LightResponse {
  return {
    status,
    ok: status >= 200 && status < 300,
    json: async () => JSON.parse(text),
    clone: () => respond(status, text),
  };
}

/**
 * A Bot API request with a JSON body over node:http with grammY's kept-alive agent: what node-fetch does for these
 * requests, without its Request/Response/Headers/stream machinery (a Bot API call was about a third of the bot's
 * CPU per button press, most of it there). Uploads (stream bodies) are not for it.
 */
export function lightFetch(url: string, init: LightInit): Promise<LightResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport = target.protocol === "https:" ? https : http;
    const body = typeof init.body === "string" ? Buffer.from(init.body) : undefined;
    const request = transport.request(
      target,
      {
        method: init.method ?? "GET",
        headers: { ...init.headers, ...(body ? { "content-length": String(body.length) } : {}) },
        agent: init.agent,
        signal: init.signal ?? undefined,
      },
      (response) => {
        answerBegun = true;
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve(respond(response.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"))));
        response.on("error", fail);
      },
    );
    // Marks whether the server had begun to answer: then the request reached it, and a retry could duplicate it.
    let answerBegun = false;
    function fail(error: Error) {
      reject(Object.assign(error, { answerBegun }));
    }
    request.on("error", fail);
    request.end(body);
  });
}
