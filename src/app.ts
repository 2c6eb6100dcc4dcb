import type { Server } from "node:http";
import { join } from "node:path";
import { run, type RunnerHandle } from "@grammyjs/runner";
import { sql } from "drizzle-orm";
import type { UserFromGetMe } from "grammy/types";
import { type CreateBotOptions, createBot, type EriktiBot } from "./bot";
import { registerCommands, registerDescriptions } from "./bot/commands";
import type { BotDeps } from "./bot/context";
import { renderOutboxButton } from "./bot/outbox-buttons";
import { createWebhookServer } from "./bot/webhook";
import type { Config } from "./config";
import { ALMATY_OFFSET_MS, intlOffsetMs, TIME_ZONE } from "./core/time";
import { type Database, type DatabaseHandle, openDatabase, rowsOf } from "./db/client";
import { type DeliveryOptions, startDispatcher } from "./delivery";
import type { Dispatcher } from "./delivery/dispatcher";
import { RegionDirectory } from "./domain/regions";
import { createI18n } from "./i18n";
import { createLogger, type Logger } from "./logger";
import { defaultJobs, Scheduler } from "./scheduler";

/** Updates the bot asks Telegram for. */
export const ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"] as const;

/** The outbox dispatcher and the scheduler, started side by side by the composition root. */
export interface Delivery {
  dispatcher: Dispatcher;
  scheduler?: Scheduler;
  /** Stops the jobs, then the dispatcher (sends in flight finish, unsent claims are given back). */
  stop(): Promise<void>;
  /** For /healthz: true while the dispatcher's loop and the scheduler run, else what has stopped. */
  problem(): true | string;
}

export interface App {
  bot: EriktiBot;
  database: DatabaseHandle;
  deps: BotDeps;
  /** The webhook server, when BOT_MODE=webhook. */
  server?: Server;
  /** The outbox dispatcher and the scheduler (unless turned off in StartOptions). */
  delivery?: Delivery;
  /** Finishes updates in flight, then closes the database. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Known bot identity (skips getMe): the playground and tests pass it. */
  botInfo?: UserFromGetMe;
  /** Long-polling timeout in seconds (tests shorten it). */
  pollTimeout?: number;
  /** An already open (and migrated or not) database instead of the configured one; closed on stop. */
  database?: DatabaseHandle;
  onHandled?: CreateBotOptions["onHandled"];
  /** Dispatcher overrides and whether to run the scheduler (default true); false: no delivery at all. */
  delivery?: (Pick<DeliveryOptions, "dispatcher"> & { scheduler?: boolean }) | false;
  /**
   * The clock of the scheduler's jobs and of the dispatcher's due checks, in epoch milliseconds (default Date.now):
   * the playground moves it forward (`!time +26h`) so reminders can be seen without waiting.
   */
  clock?: () => number;
}

/** Starts the outbox dispatcher and the scheduler (its first run catches up on what fell due while down). */
async function startDelivery(
  deps: BotDeps,
  config: Config,
  token: string,
  botUsername: string,
  options: Exclude<StartOptions["delivery"], false> = {},
  clock?: () => number,
): Promise<Delivery> {
  const dispatcher = startDispatcher(
    { db: deps.db, i18n: deps.i18n, logger: deps.logger, buttons: renderOutboxButton, botUsername },
    {
      token,
      apiRoot: config.apiRoot,
      config: config.delivery,
      dispatcher: clock ? { clock, ...options.dispatcher } : options.dispatcher,
    },
  );
  const scheduler =
    options.scheduler === false
      ? undefined
      : new Scheduler({
          db: deps.db,
          logger: deps.logger,
          jobs: defaultJobs({ retentionDays: config.delivery.retentionDays, adminIds: deps.adminIds }),
          clock: clock && (() => new Date(clock())),
        });
  try {
    await scheduler?.start();
  } catch (error) {
    await dispatcher.stop();
    throw error;
  }
  return {
    dispatcher,
    scheduler,
    async stop() {
      await scheduler?.stop();
      await dispatcher.stop();
    },
    problem: () =>
      !dispatcher.alive() ? "outbox dispatcher stopped" : scheduler && !scheduler.alive() ? "scheduler stopped" : true,
  };
}

/**
 * Arithmetic uses Asia/Almaty's fixed UTC+5, formatting uses Node's tz data and the scheduler's SQL the database's:
 * a warning at start when either disagrees with +5 (an outdated tz database would shift reminders by an hour).
 */
async function checkTimeZone(db: Database, logger: Logger): Promise<void> {
  const now = new Date();
  const [row] = rowsOf<{ seconds: number | string }>(
    await db.execute(
      sql`select extract(epoch from (${now.toISOString()}::timestamptz at time zone ${TIME_ZONE}) - (${now.toISOString()}::timestamptz at time zone 'UTC')) as seconds`,
    ),
  );
  const offsets = {
    expected: ALMATY_OFFSET_MS / 60_000,
    intl: intlOffsetMs(now) / 60_000,
    database: Number(row?.seconds) / 60,
  };
  if (offsets.intl !== offsets.expected || offsets.database !== offsets.expected) {
    logger.warn({ timeZone: TIME_ZONE, offsetMinutes: offsets }, "time zone data disagrees with UTC+5: update tzdata");
  }
}

export async function openDeps(
  config: Config,
  logger: Logger,
  opened?: DatabaseHandle,
): Promise<{ database: DatabaseHandle; deps: BotDeps }> {
  const database =
    opened ??
    (await openDatabase({
      url: config.databaseUrl,
      dataDir: config.databaseUrl ? undefined : join(config.dataDir, "pglite"),
    }));
  try {
    await database.migrate();
    const [regions, i18n] = await Promise.all([
      RegionDirectory.load(database.db),
      createI18n(),
      checkTimeZone(database.db, logger),
    ]);
    return { database, deps: { db: database.db, i18n, regions, logger, adminIds: new Set(config.adminIds) } };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Starts the bot in the configured mode: long polling (runner) or webhook. The playground calls it too. */
export async function startApp(config: Config, options: StartOptions = {}): Promise<App> {
  if (!config.botToken) throw new Error("startApp needs a bot token (the playground provides its own)");
  const logger = options.logger ?? createLogger(config.logLevel);
  const { database, deps } = await openDeps(config, logger, options.database);
  const bot = createBot(deps, {
    token: config.botToken,
    apiRoot: config.apiRoot,
    botInfo: options.botInfo,
    onHandled: options.onHandled,
  });
  let delivery: Delivery | undefined;
  try {
    await bot.init();
    await registerCommands(bot.api, deps.i18n);
    // The profile texts are cosmetic: a refusal (e.g. too many changes) must not stop the bot.
    await registerDescriptions(bot.api, deps.i18n).catch((error: unknown) =>
      logger.warn({ err: error }, "could not set the bot's description"),
    );
    if (options.delivery !== false) {
      delivery = await startDelivery(
        deps,
        config,
        config.botToken,
        bot.botInfo.username,
        options.delivery,
        options.clock,
      );
    }
  } catch (error) {
    await delivery?.stop();
    await database.close();
    throw error;
  }

  if (config.mode === "webhook" && config.webhook) {
    const { url, secret, host, port } = config.webhook;
    const server = createWebhookServer({
      bot,
      path: new URL(url).pathname,
      secret,
      healthy: async () => (await database.ping()) && (delivery?.problem() ?? true),
      logger,
    });
    try {
      await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, host, resolve));
      await bot.api.setWebhook(url, { secret_token: secret, allowed_updates: [...ALLOWED_UPDATES] });
    } catch (error) {
      server.close();
      await delivery?.stop();
      await database.close();
      throw error;
    }
    logger.info({ url, port }, "webhook server listening");
    return {
      bot,
      database,
      deps,
      server,
      delivery,
      async stop() {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await delivery?.stop();
        await database.close();
      },
    };
  }

  await bot.api.deleteWebhook();
  const runner: RunnerHandle = run(bot, {
    runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES], timeout: options.pollTimeout ?? 30 } },
  });
  logger.info({ username: bot.botInfo.username }, "bot started (long polling)");
  return {
    bot,
    database,
    deps,
    delivery,
    async stop() {
      await runner.stop();
      await bot.inflight.idle();
      // Confirm what was handled, so the next start does not receive it again (as grammY's bot.stop does).
      const last = bot.inflight.lastUpdateId;
      if (last !== undefined) {
        await bot.api.getUpdates({ offset: last + 1, limit: 1, timeout: 0 }).catch((error: unknown) => {
          logger.warn({ err: error }, "could not confirm the last update");
        });
      }
      await delivery?.stop();
      await database.close();
    },
  };
}
