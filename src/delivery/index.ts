import { Api } from "grammy";
import type { Logger } from "pino";
import type { Database } from "../db/client";
import type { I18n } from "../i18n";
import { Dispatcher, type DispatcherOptions } from "./dispatcher";
import type { ButtonRenderer } from "./render";

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

/** What delivery needs from the composition root (not the bot's dependencies: delivery sits below the bot). */
export interface DeliveryDeps {
  db: Database;
  i18n: I18n;
  logger: Logger;
  /** Turns outbox buttons into inline buttons (the bot's renderOutboxButton). */
  buttons: ButtonRenderer;
  /** The bot's username, for buttons that deep-link into the bot. */
  botUsername?: string;
}

export interface DeliveryOptions {
  token: string;
  apiRoot?: string;
  config?: Partial<DeliveryConfig>;
  /** Overrides for tests (clock, poll intervals…). */
  dispatcher?: Partial<Omit<DispatcherOptions, "db" | "api" | "i18n" | "logger" | "buttons">>;
}

/** Starts the outbox dispatcher (the composition root starts the scheduler beside it). */
export function startDispatcher(deps: DeliveryDeps, options: DeliveryOptions): Dispatcher {
  const config = { ...DEFAULT_DELIVERY, ...options.config };
  const dispatcher = new Dispatcher({
    db: deps.db,
    api: new Api(options.token, { apiRoot: options.apiRoot, timeoutSeconds: 10 }),
    i18n: deps.i18n,
    logger: deps.logger,
    buttons: deps.buttons,
    botUsername: deps.botUsername,
    ratePerSecond: config.ratePerSecond,
    paidBroadcast: config.paidBroadcast,
    ...options.dispatcher,
  });
  dispatcher.start();
  return dispatcher;
}
