/**
 * A dispatcher in a process of its own, for the crash test: `node --import tsx test/support/delivery-child.ts`
 * with DATABASE_URL, API_ROOT, BOT_TOKEN, DELIVERY_RATE and CLAIM_TTL_MS. Prints "ready" once sending; runs until
 * killed.
 */
import { Api } from "grammy";
import { openDatabase } from "../../src/db/client";
import { renderOutboxButton } from "../../src/bot/outbox-buttons";
import { Dispatcher } from "../../src/delivery/dispatcher";
import { createI18n } from "../../src/i18n";
import { createLogger } from "../../src/logger";

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const database = await openDatabase({ url: env("DATABASE_URL"), max: 4 });
const dispatcher = new Dispatcher({
  db: database.db,
  api: new Api(env("BOT_TOKEN"), { apiRoot: env("API_ROOT"), timeoutSeconds: 10 }),
  i18n: await createI18n(),
  logger: createLogger("silent"),
  buttons: renderOutboxButton,
  ratePerSecond: Number(env("DELIVERY_RATE")),
  perChatIntervalMs: 0,
  claimTtlMs: Number(env("CLAIM_TTL_MS")),
});
dispatcher.start();
process.stdout.write("ready\n");
process.once("SIGTERM", () => {
  void dispatcher
    .stop()
    .then(() => database.close())
    .then(() => process.exit(0));
});
