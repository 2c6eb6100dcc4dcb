import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/** `npm start` without BOT_TOKEN: the terminal playground on a fresh embedded database. */
describe("playground (npm start without a token)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "erikti-playground-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  function startPlayground(): {
    child: ChildProcessWithoutNullStreams;
    output: () => string;
    waitFor: (text: string) => Promise<void>;
  } {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, NO_COLOR: "1" };
    delete env.BOT_TOKEN;
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { env });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const waitFor = async (text: string) => {
      const deadline = Date.now() + 30_000;
      while (!output.includes(text)) {
        if (Date.now() > deadline) throw new Error(`"${text}" never appeared in:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    return { child, output: () => output, waitFor };
  }

  it("chats through onboarding in the terminal and persists under DATA_DIR", async () => {
    const { child, output, waitFor } = startPlayground();
    await waitFor("Send /start to begin.");
    child.stdin.write("/start\n");
    await waitFor("Қай өңірде тұрасыз?");
    await waitFor("[!1] Астана"); // the buttons are printed right after the message
    child.stdin.write("!2\n"); // Алматы
    await waitFor("Өңір: Алматы");
    child.stdin.write("!lang ru\n");
    await waitFor("Your Telegram language is now ru");
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.stdin.end();
    expect(await exited).toBe(0);
    expect(output()).not.toContain("Telegram would reject");
    expect(existsSync(join(dataDir, "pglite"))).toBe(true);
  }, 60_000);
});
