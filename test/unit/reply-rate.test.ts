import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { lightFetch } from "../../src/delivery/light-fetch";
import { Api, GrammyError, HttpError, InputFile } from "grammy";
import {
  directJsonCalls,
  directReplyLimits,
  hasUpload,
  isSend,
  pacedFetch,
  ReplyPacer,
} from "../../src/delivery/reply-rate";

describe("reply pacer", () => {
  it("lets replies through at once under its share, then keeps any second to the share, first come first served", async () => {
    // On fake timers (Date and setTimeout): the schedule is exact whatever else the machine is doing.
    vi.useFakeTimers({ now: new Date("2026-12-02T10:00:00Z") });
    try {
      const pacer = new ReplyPacer(5);
      const started = Date.now();
      const order: number[] = [];
      const at: number[] = [];
      const all = Promise.all(
        Array.from({ length: 11 }, async (_, i) => {
          await pacer.acquire();
          order.push(i);
          at.push(Date.now() - started);
        }),
      );
      await vi.advanceTimersByTimeAsync(3_000);
      await all;
      expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(at).toEqual([0, 0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000, 2000]); // no wait under the share
      expect(pacer.perSecond()).toBeGreaterThan(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("counts only what puts a message into a chat", () => {
    for (const method of ["sendMessage", "sendDocument", "copyMessage", "forwardMessage"])
      expect(isSend(method)).toBe(true);
    for (const method of ["sendChatAction", "editMessageText", "answerCallbackQuery", "getUpdates"])
      expect(isSend(method)).toBe(false);
  });
});

describe("the bot's fetch", () => {
  /** A Bot API stand-in that answers 429 (retry after 1 s) to the first request, then ok. */
  async function flakyServer() {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        bodies.push(body);
        res.setHeader("content-type", "application/json");
        if (bodies.length === 1) {
          res.statusCode = 429;
          res.end(
            JSON.stringify({
              ok: false,
              error_code: 429,
              description: "Too Many Requests: retry after 1",
              parameters: { retry_after: 1 },
            }),
          );
        } else res.end(JSON.stringify({ ok: true, result: true }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}/botTOKEN/sendMessage`, bodies, close: () => server.close() };
  }

  it("retries a 429 of a JSON request itself, below the transformers (so a conversation's log keeps only the answer)", async () => {
    const server = await flakyServer();
    try {
      const response = await pacedFetch(server.url, {
        method: "POST",
        body: JSON.stringify({ chat_id: 1, text: "hi" }),
      });
      expect(response.status).toBe(200);
      expect(server.bodies).toHaveLength(2);
      expect(server.bodies[1]).toBe(server.bodies[0]);
    } finally {
      server.close();
    }
  });

  it("leaves an upload's 429 to the transformers (its body is a one-time stream)", async () => {
    const server = await flakyServer();
    try {
      const response = await pacedFetch(server.url, { method: "POST", body: Readable.from(["--part--"]) as never });
      expect(response.status).toBe(429);
      expect(server.bodies).toHaveLength(1);
    } finally {
      server.close();
    }
  });
});

describe("lightFetch", () => {
  it("gives up when grammY aborts the request (a timeout, or stopping while a long poll waits)", async () => {
    const server = createServer(() => {}); // never answers
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const controller = new AbortController();
      const pending = lightFetch(`http://127.0.0.1:${port}/botTOKEN/getUpdates`, {
        method: "POST",
        body: "{}",
        signal: controller.signal,
      });
      controller.abort();
      await expect(pending).rejects.toThrow(/abort/i);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe("one retry layer per request", () => {
  /** A Bot API stand-in that answers every request with `answer` and counts them. */
  async function countingServer(answer: (res: import("node:http").ServerResponse) => void) {
    let requests = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        requests++;
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
      apiRoot: `http://127.0.0.1:${port}`,
      requests: () => requests,
      close: () => {
        server.closeAllConnections();
        server.close();
      },
    };
  }

  it("a JSON request that always meets 429 is sent 1 + 5 times in all, not once per layer", async () => {
    const server = await countingServer((res) => {
      res.statusCode = 429;
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          ok: false,
          error_code: 429,
          description: "Too Many Requests",
          parameters: { retry_after: 0 },
        }),
      );
    });
    try {
      const api = new Api("1:TOKEN", { apiRoot: server.apiRoot, fetch: pacedFetch });
      api.config.use(...directReplyLimits);
      await expect(api.sendMessage(1, "hi")).rejects.toThrow(/Too Many Requests/);
      expect(server.requests()).toBe(6);
    } finally {
      server.close();
    }
  });

  it("a JSON request whose connection breaks is sent twice at most", async () => {
    const server = await countingServer((res) => res.socket?.destroy());
    try {
      const api = new Api("1:TOKEN", { apiRoot: server.apiRoot, fetch: pacedFetch });
      api.config.use(...directReplyLimits);
      await expect(api.sendMessage(1, "hi")).rejects.toThrow();
      expect(server.requests()).toBe(2);
    } finally {
      server.close();
    }
  });

  it("tells uploads from JSON payloads", () => {
    expect(hasUpload({ chat_id: 1, document: new InputFile(Buffer.from("x"), "a.txt") })).toBe(true);
    expect(hasUpload({ chat_id: 1, media: [{ type: "photo", media: new InputFile(Buffer.from("x")) }] })).toBe(true);
    expect(hasUpload({ chat_id: 1, text: "hi", reply_markup: { inline_keyboard: [] } })).toBe(false);
  });
});

describe("directJsonCalls (the bot's own Api)", () => {
  /** A Bot API stand-in that records what it receives and answers with `answer`. */
  async function recordingServer(answer: (res: import("node:http").ServerResponse) => void) {
    const received: Array<{ url: string; type: string; body: string }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({
          url: req.url ?? "",
          type: String(req.headers["content-type"]),
          body: Buffer.concat(chunks).toString(),
        });
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
      apiRoot: `http://127.0.0.1:${port}`,
      received,
      close: () => {
        server.closeAllConnections();
        server.close();
      },
    };
  }
  const ok = (res: import("node:http").ServerResponse) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ ok: true, result: true }));
  };
  const botApi = (apiRoot: string) => {
    const api = new Api("1:TOKEN", { apiRoot, fetch: pacedFetch });
    api.config.use(directJsonCalls("1:TOKEN", { apiRoot }), ...directReplyLimits);
    return api;
  };

  it("sends what grammY's client would: the method's URL, JSON without the null fields", async () => {
    const server = await recordingServer(ok);
    try {
      await botApi(server.apiRoot).raw.sendMessage({ chat_id: 1, text: "null or not", reply_markup: null } as never);
      expect(server.received).toEqual([
        {
          url: "/bot1:TOKEN/sendMessage",
          type: "application/json",
          body: JSON.stringify({ chat_id: 1, text: "null or not" }),
        },
      ]);
    } finally {
      server.close();
    }
  });

  it("a 429 is retried beneath the transformers: 1 + 5 requests in all, and the error is grammY's", async () => {
    const server = await recordingServer((res) => {
      res.statusCode = 429;
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          ok: false,
          error_code: 429,
          description: "Too Many Requests",
          parameters: { retry_after: 0 },
        }),
      );
    });
    try {
      await expect(botApi(server.apiRoot).sendMessage(1, "hi")).rejects.toBeInstanceOf(GrammyError);
      expect(server.received).toHaveLength(6);
    } finally {
      server.close();
    }
  });

  it("a broken connection is tried twice and then fails as grammY's HttpError (what the apology expects)", async () => {
    const server = await recordingServer((res) => res.socket?.destroy());
    try {
      await expect(botApi(server.apiRoot).sendMessage(1, "hi")).rejects.toBeInstanceOf(HttpError);
      expect(server.received).toHaveLength(2);
    } finally {
      server.close();
    }
  });

  it("leaves every call to grammY's client when an option it does not follow is set (the test environment)", async () => {
    const server = await recordingServer(ok);
    try {
      const client = { apiRoot: server.apiRoot, environment: "test" as const, fetch: pacedFetch };
      const api = new Api("1:TOKEN", client);
      api.config.use(directJsonCalls("1:TOKEN", client));
      await api.sendMessage(1, "hi");
      expect(server.received.map((r) => r.url)).toEqual(["/bot1:TOKEN/test/sendMessage"]);
    } finally {
      server.close();
    }
  });

  it("leaves uploads to grammY's client (multipart)", async () => {
    const server = await recordingServer(ok);
    try {
      await botApi(server.apiRoot).sendDocument(1, new InputFile(Buffer.from("a;b\n"), "a.csv"));
      expect(server.received).toHaveLength(1);
      expect(server.received[0]!.type).toMatch(/^multipart\/form-data/);
      expect(server.received[0]!.body).toContain("a;b");
    } finally {
      server.close();
    }
  });
});
