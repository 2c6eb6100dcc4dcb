import type { Update } from "grammy/types";
import { type App, type StartOptions, startApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import type { DatabaseHandle } from "../../src/db/client";
import { createLogger } from "../../src/logger";
import { type ApiCall, BotApiEmulator } from "./fake-telegram";

export interface Harness {
  emulator: BotApiEmulator;
  app: App;
  database: DatabaseHandle;
  /** Pushes an update and resolves once the bot has finished handling it. */
  send(push: () => Update): Promise<Update>;
  /** Stops the bot; the database stays open unless closeDatabase is set. */
  stop(options?: { closeDatabase?: boolean }): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  emulator?: BotApiEmulator;
  /** Dispatcher and scheduler overrides; false runs the bot without delivery. */
  delivery?: StartOptions["delivery"];
}

const HTML_METHODS = new Set(["sendMessage", "editMessageText", "editMessageCaption", "sendDocument", "sendPhoto"]);

/** Every text the bot sends is HTML: markup sent without parse_mode would reach the user as raw tags. */
function assertHtmlParseMode(calls: ApiCall[]): void {
  for (const call of calls) {
    const text = String(call.params.text ?? call.params.caption ?? "");
    if (HTML_METHODS.has(call.method) && /[<&]/.test(text) && call.params.parse_mode !== "HTML") {
      throw new Error(`${call.method} without parse_mode HTML: ${text.slice(0, 120)}`);
    }
  }
}

/** The real app (runner, middleware, database) against the fake Bot API server. */
export async function startHarness(database: DatabaseHandle, options: HarnessOptions = {}): Promise<Harness> {
  const emulator = options.emulator ?? (await BotApiEmulator.start());
  const handled = new Set<number>();
  const waiters = new Map<number, () => void>();
  const config = loadConfig({
    BOT_TOKEN: emulator.token,
    TELEGRAM_API_ROOT: emulator.apiRoot,
    LOG_LEVEL: "silent",
    ...options.env,
  });
  // The app closes the database on stop; the harness decides itself, so a test can restart the bot on the same data.
  const shared: DatabaseHandle = { ...database, close: async () => {} };
  const app = await startApp(config, {
    database: shared,
    botInfo: emulator.botInfo,
    pollTimeout: 1,
    delivery: options.delivery,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? "silent"),
    onHandled: (id) => {
      handled.add(id);
      waiters.get(id)?.();
    },
  });
  return {
    emulator,
    app,
    database,
    async send(push) {
      const seen = emulator.calls.length;
      const update = push();
      if (!handled.has(update.update_id)) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`update ${update.update_id} not handled in time`)), 10_000);
          waiters.set(update.update_id, () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      assertHtmlParseMode(emulator.calls.slice(seen));
      return update;
    },
    async stop({ closeDatabase = false } = {}) {
      await app.stop();
      if (!options.emulator) await emulator.close();
      if (closeDatabase) await database.close();
    },
  };
}

export interface BotUnderTest {
  database: DatabaseHandle;
  emulator: BotApiEmulator;
  h: Harness;
  /** Stops the bot, then closes the fake Telegram and drops the database. */
  close(): Promise<void>;
}

/** A fresh database of the given kind, its own fake Telegram and the bot on both: one per describe block. */
export async function openBot(kind: { open(): Promise<DatabaseHandle> }, options: Omit<HarnessOptions, "emulator"> = {}): Promise<BotUnderTest> {
  const database = await kind.open();
  const emulator = await BotApiEmulator.start();
  const h = await startHarness(database, { ...options, emulator });
  return {
    database,
    emulator,
    h,
    async close() {
      await h.stop();
      await emulator.close();
      await database.close();
    },
  };
}
