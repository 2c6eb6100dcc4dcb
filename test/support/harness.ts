import type { Update } from "grammy/types";
import { afterAll, beforeAll } from "vitest";
import { type App, type StartOptions, startApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import type { DatabaseHandle } from "../../src/db/client";
import { createLogger } from "../../src/logger";
import { type ApiCall, BotApiEmulator } from "./fake-telegram";
import { guardRejections, type Rejection } from "./rejections";

export interface Harness {
  emulator: BotApiEmulator;
  app: App;
  database: DatabaseHandle;
  /**
   * Pushes an update and resolves once the bot has finished handling it; fails when the fake Telegram rejected
   * a call meanwhile (unless allowed). Every test also fails at its end on a rejection not allowed.
   */
  send(push: () => Update): Promise<Update>;
  /** Tolerates rejections whose description contains (or matches) `description` until the end of the current test. */
  allowRejected(description: Rejection): void;
  /** The allowed rejections since the last takeRejections(), and any not checked yet (they count as checked then). */
  takeRejections(): ApiCall[];
  /** Stops the bot; the database stays open unless closeDatabase is set. */
  stop(options?: { closeDatabase?: boolean }): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  emulator?: BotApiEmulator;
  /** Dispatcher and scheduler overrides; false runs the bot without delivery. */
  delivery?: StartOptions["delivery"];
}

const HTML_METHODS = new Set([
  "sendMessage",
  "editMessageText",
  "editMessageCaption",
  "sendDocument",
  "sendPhoto",
  "copyMessage",
]);

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
  const rejections = guardRejections(emulator);
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
    delivery:
      options.delivery === false
        ? false
        : {
            ...options.delivery,
            dispatcher: { perChatIntervalMs: 100, ...options.delivery?.dispatcher },
          },
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
      rejections.check();
      return update;
    },
    allowRejected: (description) => rejections.allowRejected(description),
    takeRejections: () => rejections.take(),
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
  /** The bot now running (a new one after restart()). */
  h: Harness;
  /** Stops the bot and starts a new one on the same database and fake Telegram (a deploy, a crash). */
  restart(): Promise<Harness>;
  /** Stops the bot, then closes the fake Telegram and drops the database. */
  close(): Promise<void>;
}

/** A fresh database of the given kind, its own fake Telegram and the bot on both: one per describe block. */
export async function openBot(
  kind: { open(): Promise<DatabaseHandle> },
  options: Omit<HarnessOptions, "emulator"> = {},
): Promise<BotUnderTest> {
  const database = await kind.open();
  const emulator = await BotApiEmulator.start();
  const bot: BotUnderTest = {
    database,
    emulator,
    h: await startHarness(database, { ...options, emulator }),
    async restart() {
      await bot.h.stop();
      bot.h = await startHarness(database, { ...options, emulator });
      return bot.h;
    },
    async close() {
      await bot.h.stop();
      await emulator.close();
      await database.close();
    },
  };
  return bot;
}

/**
 * openBot for a describe block: opens it before the block's tests and closes it after them. The returned object
 * is filled in beforeAll; `assign` gets it then, to set the block's own variables:
 *
 *   let database: DatabaseHandle, emulator: BotApiEmulator, h: Harness;
 *   useBot(kind, {}, (bot) => ({ database, emulator, h } = bot));
 */
export function useBot(
  kind: { open(): Promise<DatabaseHandle> },
  options: Omit<HarnessOptions, "emulator"> = {},
  assign?: (bot: BotUnderTest) => void,
): BotUnderTest {
  const live = {} as BotUnderTest;
  beforeAll(async () => {
    const opened = await openBot(kind, options);
    Object.assign(live, opened, { restart: async () => (live.h = await opened.restart()) });
    assign?.(live);
  });
  afterAll(() => live.close?.());
  return live;
}
