/**
 * Emergency call-out benchmark: `npx tsx test/bench/callout.ts` prints a markdown table.
 *
 * 5,000 matching volunteers (in quiet hours) and a 20,000-message broadcast already waiting in the outbox; then a
 * call-out is launched: the time to enqueue it (one INSERT … SELECT) and the time from the launch to the last of the
 * 5,000 deliveries against the fake Bot API enforcing the rate, beside the bound the rate sets (5,000 / rate).
 * Target: at most 1.05× the bound. BENCH_CALLOUT_RATE (default 1000: paid broadcasts, bound 5 s; 30 gives Telegram's
 * free rate, bound ≈ 167 s). PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else
 * postgres://127.0.0.1:5432/test (a fresh database is created and dropped). The fake runs in this process.
 */
import { sql } from "drizzle-orm";
import { Api } from "grammy";
import { renderOutboxButton } from "../../src/bot/outbox-buttons";
import { openDatabase } from "../../src/db/client";
import { Dispatcher } from "../../src/delivery/dispatcher";
import { launchCallout } from "../../src/domain/callouts";
import { localMinuteOfDay } from "../../src/core/time";
import { createI18n } from "../../src/i18n";
import { createLogger } from "../../src/logger";
import { freshPostgresUrl } from "../support/delivery-fixtures";
import { BotApiEmulator } from "../support/fake-telegram";

const POSTGRES_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://127.0.0.1:5432/test";
const RATE = Number(process.env.BENCH_CALLOUT_RATE ?? 1000);
const VOLUNTEERS = 5000;
const BROADCAST = 20_000;
const FIRST = 60_000_000;
const BROADCAST_FIRST = 70_000_000;

const fresh = await freshPostgresUrl(POSTGRES_URL);
const { db, close } = await openDatabase({ url: fresh.url, max: 10 });
const emulator = await BotApiEmulator.start({
  rateLimit: { globalPerSecond: Math.min(RATE, 30), perChatPerSecond: 1 },
});
try {
  const minute = localMinuteOfDay(new Date());
  await db.execute(sql`
    insert into users (id, first_name, language, region_code, consent_at, onboarded_at, quiet_start_minute, quiet_end_minute)
    select g, 'V' || g, 'kk', 'almaty', now(), now(), ${(minute + 1380) % 1440}, ${(minute + 120) % 1440}
    from generate_series(${FIRST}::bigint, ${FIRST + VOLUNTEERS - 1}::bigint) g`);
  await db.execute(sql`
    insert into emergency_profiles (user_id, skills)
    select g, '{first_aid,driver}' from generate_series(${FIRST}::bigint, ${FIRST + VOLUNTEERS - 1}::bigint) g`);
  await db.execute(sql`
    insert into outbox (chat_id, kind, payload, priority, idempotency_key, batch)
    select g, 'message', '{"text": "news"}'::jsonb, 1, 'bc:' || g, 'bc:bench'
    from generate_series(${BROADCAST_FIRST}::bigint, ${BROADCAST_FIRST + BROADCAST - 1}::bigint) g`);
  for (let i = 0; i < VOLUNTEERS; i++) emulator.addUser({ id: FIRST + i, first_name: "V" });
  await db.execute(sql`analyze`);

  const dispatcher = new Dispatcher({
    db,
    api: new Api(emulator.token, { apiRoot: emulator.apiRoot, timeoutSeconds: 10 }),
    i18n: await createI18n(),
    logger: createLogger("silent"),
    buttons: renderOutboxButton,
    ratePerSecond: RATE,
    paidBroadcast: RATE > 30,
    replies: { perSecond: () => 0 },
  });
  const launchedAt = Date.now();
  const { invited } = await launchCallout(
    db,
    {
      regionCode: "almaty",
      skills: ["first_aid"],
      needed: 50,
      meeting: { latitude: 43.24, longitude: 76.89 },
      meetAt: new Date(Date.now() + 3 * 3_600_000),
      text: "Су тасқыны: құм қаптар керек",
    },
    1,
  );
  const enqueueMs = Date.now() - launchedAt;
  dispatcher.start();
  let delivered = 0;
  let lastAt = 0;
  const urgent = (c: { method: string; ok: boolean; params: Record<string, unknown> }) =>
    c.method === "sendMessage" && c.ok && Number(c.params.chat_id) < BROADCAST_FIRST;
  emulator.on("call", (c) => {
    if (urgent(c)) {
      delivered++;
      lastAt = Date.now();
    }
  });
  const deadline = Date.now() + (VOLUNTEERS / RATE) * 3000 + 30_000;
  while (delivered < invited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await dispatcher.stop();
  // Broadcast rows sent before the last call-out message: urgent rows go first, so none but the in-flight tail.
  const normalBefore = emulator.calls.filter(
    (c) => c.method === "sendMessage" && Number(c.params.chat_id) >= BROADCAST_FIRST && c.at < lastAt,
  ).length;
  const seconds = (lastAt - launchedAt) / 1000;
  const bound = VOLUNTEERS / RATE;
  console.log(
    "| call-out | recipients | enqueue (one INSERT … SELECT) | launch → last delivery | bound (5,000 / rate) | ratio | broadcast rows sent before the last call-out message |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  console.log(
    `| ${RATE}/s${RATE > 30 ? " (paid broadcasts)" : ""} | ${delivered} of ${invited} | ${enqueueMs.toFixed(0)} ms | ${seconds.toFixed(2)} s | ${bound.toFixed(2)} s | ${(seconds / bound).toFixed(3)}× | ${normalBefore} |`,
  );
} finally {
  await emulator.close();
  await close();
  await fresh.drop();
}
