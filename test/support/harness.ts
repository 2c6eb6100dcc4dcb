import type { Update } from "grammy/types";
import { type App, type StartOptions, startApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import type { DatabaseHandle } from "../../src/db/client";
import { createLogger } from "../../src/logger";
import { BotApiEmulator } from "./fake-telegram";

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
      return update;
    },
    async stop({ closeDatabase = false } = {}) {
      await app.stop();
      if (!options.emulator) await emulator.close();
      if (closeDatabase) await database.close();
    },
  };
}
