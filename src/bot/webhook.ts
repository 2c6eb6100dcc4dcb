import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { webhookCallback } from "grammy";
import type { Logger } from "pino";
import type { EriktiBot } from "./index";

export interface WebhookServerOptions {
  bot: EriktiBot;
  /** Path Telegram posts to (the path of WEBHOOK_URL). */
  path: string;
  secret: string;
  /** For GET /healthz: true when healthy; false when the database is unreachable; or what else is wrong. */
  healthy: () => Promise<boolean | string>;
  logger: Logger;
}

/**
 * Telegram webhooks over node:http. grammY checks X-Telegram-Bot-Api-Secret-Token and answers 401 before
 * anything is processed; `server.close()` waits for requests in flight, so a stop finishes their updates.
 */
export function createWebhookServer(options: WebhookServerOptions): Server {
  const handleUpdate = webhookCallback(options.bot, "http", {
    secretToken: options.secret,
    onTimeout: "return",
    timeoutMilliseconds: 55_000,
  });
  return createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    try {
      if (req.method === "GET" && path === "/healthz") {
        const verdict = await options.healthy();
        const ok = verdict === true;
        res
          .writeHead(ok ? 200 : 503, { "content-type": "text/plain" })
          .end(ok ? "ok" : verdict || "database unavailable");
        return;
      }
      if (req.method === "POST" && path === options.path) {
        await handleUpdate(req, res);
        return;
      }
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    } catch (error) {
      options.logger.error({ err: error }, "webhook request failed");
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
}
