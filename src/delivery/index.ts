import { Api } from "grammy";
import type { BotDeps } from "../bot/context";
import { defaultJobs, Scheduler } from "../scheduler";
import { Dispatcher, type DispatcherOptions } from "./dispatcher";

/** Delivery settings from the environment (all optional; see README). */
export interface DeliveryConfig {
  /** DELIVERY_RATE: messages per second for the whole bot (default 30; up to 1000 with paid broadcasts). */
  ratePerSecond: number;
  /** DELIVERY_PAID_BROADCAST: send with allow_paid_broadcast (paid in Stars). */
  paidBroadcast: boolean;
  /** OUTBOX_RETENTION_DAYS: how long sent rows are kept (default 14). */
  retentionDays: number;
}

export const DEFAULT_DELIVERY: DeliveryConfig = { ratePerSecond: 30, paidBroadcast: false, retentionDays: 14 };

export interface DeliveryOptions {
  token: string;
  apiRoot?: string;
  config?: Partial<DeliveryConfig>;
  /** Overrides for tests (clock, poll intervals…). */
  dispatcher?: Partial<Omit<DispatcherOptions, "db" | "api" | "i18n" | "logger">>;
  /** Run the cron jobs (default true). */
  scheduler?: boolean;
}

export interface Delivery {
  dispatcher: Dispatcher;
  scheduler?: Scheduler;
  /** Stops the jobs, then the dispatcher (sends in flight finish, unsent claims are given back). */
  stop(): Promise<void>;
  /** For /healthz: true while the dispatcher's loop and the scheduler run, else what has stopped. */
  problem(): true | string;
}

/** Starts the outbox dispatcher and the scheduler (its first run catches up on what fell due while down). */
export async function startDelivery(deps: BotDeps, options: DeliveryOptions): Promise<Delivery> {
  const config = { ...DEFAULT_DELIVERY, ...options.config };
  const dispatcher = new Dispatcher({
    db: deps.db,
    api: new Api(options.token, { apiRoot: options.apiRoot, timeoutSeconds: 10 }),
    i18n: deps.i18n,
    logger: deps.logger,
    ratePerSecond: config.ratePerSecond,
    paidBroadcast: config.paidBroadcast,
    ...options.dispatcher,
  });
  const scheduler =
    options.scheduler === false
      ? undefined
      : new Scheduler({ db: deps.db, logger: deps.logger, jobs: defaultJobs({ retentionDays: config.retentionDays }) });
  dispatcher.start();
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
    problem: () => (!dispatcher.alive() ? "outbox dispatcher stopped" : scheduler && !scheduler.alive() ? "scheduler stopped" : true),
  };
}
