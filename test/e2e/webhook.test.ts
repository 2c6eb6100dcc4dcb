import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type App, startApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import type { DatabaseHandle } from "../../src/db/client";
import { createLogger } from "../../src/logger";
import { testDatabases } from "../support/db";
import { BotApiEmulator } from "../support/fake-telegram";
import { guardRejections, type RejectionGuard } from "../support/rejections";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}

describe("webhook mode", () => {
  let emulator: BotApiEmulator;
  let database: DatabaseHandle;
  let app: App;
  let base: string;
  let rejections: RejectionGuard;
  const SECRET = "s3cret_Token-1_long";

  beforeAll(async () => {
    emulator = await BotApiEmulator.start();
    rejections = guardRejections(emulator);
    database = await testDatabases[0]!.open();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      BOT_TOKEN: emulator.token,
      TELEGRAM_API_ROOT: emulator.apiRoot,
      BOT_MODE: "webhook",
      WEBHOOK_URL: "https://erikti.example.kz/telegram/hook",
      WEBHOOK_SECRET: SECRET,
      HOST: "127.0.0.1",
      PORT: String(port),
    });
    app = await startApp(config, { database, botInfo: emulator.botInfo, logger: createLogger("silent") });
  });
  afterEach(() => rejections.check());
  afterAll(async () => {
    await app.stop();
    await emulator.close();
  });

  const update = (id: number, text: string) => ({
    update_id: id,
    message: {
      message_id: id,
      date: Math.floor(Date.now() / 1000),
      chat: { id: 77, type: "private", first_name: "Әлия" },
      from: { id: 77, is_bot: false, first_name: "Әлия", language_code: "kk" },
      text,
      entities: text.startsWith("/") ? [{ type: "bot_command", offset: 0, length: text.length }] : undefined,
    },
  });

  const post = (body: unknown, secret?: string) =>
    fetch(`${base}/telegram/hook`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(secret ? { "x-telegram-bot-api-secret-token": secret } : {}) },
      body: JSON.stringify(body),
    });

  it("registers the webhook with its secret", () => {
    const call = emulator.calls.find((c) => c.method === "setWebhook");
    expect(call?.params).toMatchObject({ url: "https://erikti.example.kz/telegram/hook", secret_token: SECRET });
    expect(call?.ok).toBe(true);
  });

  it("rejects requests without the right secret and does not process them", async () => {
    emulator.addUser({ id: 77, first_name: "Әлия", language_code: "kk" });
    const before = emulator.calls.length;
    expect((await post(update(1, "/start"))).status).toBe(401);
    expect((await post(update(2, "/start"), "wrong")).status).toBe(401);
    expect(emulator.calls.length).toBe(before);
  });

  it("handles an update with the right secret", async () => {
    const response = await post(update(3, "/start"), SECRET);
    expect(response.status).toBe(200);
    const reply = await emulator.waitForCall((c) => c.method === "sendMessage" && Number(c.params.chat_id) === 77);
    expect(String(reply.params.text)).toContain("Сәлеметсіз бе");
  });

  it("answers /healthz while the database answers, and 404 elsewhere", async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/other`)).status).toBe(404);
  });

  it("answers 503 on /healthz once the outbox dispatcher has stopped", async () => {
    await app.delivery!.dispatcher.stop();
    const answer = await fetch(`${base}/healthz`);
    expect(answer.status).toBe(503);
    expect(await answer.text()).toBe("outbox dispatcher stopped");
  });
});
