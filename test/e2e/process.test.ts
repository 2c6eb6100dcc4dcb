import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BotApiEmulator } from "../support/fake-telegram";
import { guardRejections } from "../support/rejections";

/** The real entry point with a token and TELEGRAM_API_ROOT: answers /start, then stops cleanly on SIGTERM. */
describe("npm start with BOT_TOKEN against a Bot-API-compatible server", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "erikti-process-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("answers /start in the user's language and stops on SIGTERM after finishing its work", async () => {
    const emulator = await BotApiEmulator.start();
    const rejections = guardRejections(emulator);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BOT_TOKEN: emulator.token,
      TELEGRAM_API_ROOT: emulator.apiRoot,
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
    };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { env });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));

    emulator.addUser({ id: 4242, first_name: "Дәулет", language_code: "ru" });
    emulator.sendText(4242, "/start");
    const reply = await emulator.waitForCall(
      (c) => c.method === "sendMessage" && Number(c.params.chat_id) === 4242,
      // A child process that compiles, migrates and starts: generous, as other work may share the 2 cores.
      120_000,
    );
    expect(String(reply.params.text)).toContain("Здравствуйте");
    await emulator.waitForCall(
      (c) => c.method === "sendMessage" && String(c.params.text).includes("В каком регионе"),
      30_000,
    );

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toBe("");
    // The handled update was confirmed, so a restart would not see it again.
    expect(emulator.pendingUpdates()).toBe(0);
    rejections.check();
    await emulator.close();
  }, 240_000);
});
