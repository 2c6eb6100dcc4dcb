import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { type App, startApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { openFreshPglite } from "../support/db";
import { BotApiEmulator } from "../support/fake-telegram";

describe("a child logger per update", () => {
  let emulator: BotApiEmulator | undefined;
  let app: App | undefined;
  afterAll(async () => {
    await app?.stop().catch(() => {});
    await emulator?.close();
  });

  it("logs a failed update with its id, and the apology still reaches the user", async () => {
    emulator = await BotApiEmulator.start();
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: "info", base: undefined },
      { write: (line: string) => void lines.push(JSON.parse(line)) },
    );
    const database = await openFreshPglite();
    const handled = new Map<number, () => void>();
    app = await startApp(
      loadConfig({ BOT_TOKEN: emulator.token, TELEGRAM_API_ROOT: emulator.apiRoot, LOG_LEVEL: "silent" }),
      {
        database,
        logger,
        botInfo: emulator.botInfo,
        pollTimeout: 1,
        delivery: false,
        onHandled: (id) => handled.get(id)?.(),
      },
    );
    // The start-up time-zone check found PGlite's tz data at UTC+5, as Node's.
    expect(lines.filter((line) => String(line.msg).includes("time zone"))).toEqual([]);
    emulator.addUser({ id: 6020, first_name: "Ая", language_code: "kk" });
    await database.close(); // the database goes away under the running bot: the update fails
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const update = emulator.sendText(6020, "/start");
    handled.set(update.update_id, done);
    await finished;

    expect(emulator.lastBotMessage(6020)!.text).toBe("Кешіріңіз, бір қате шықты. Сәл кейінірек қайталап көріңіз.");
    const failed = lines.find((line) => line.msg === "update failed");
    expect(failed).toMatchObject({ updateId: update.update_id, userId: 6020, level: 50 });
  });
});
