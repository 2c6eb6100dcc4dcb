import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { openDatabase } from "../../src/db/client";
import { enqueue } from "../../src/db/outbox";
import { actions, participations, users } from "../../src/db/schema";
import { completeOnboarding, touchUser } from "../../src/domain/users";
import { type Playground, startPlayground } from "../../src/playground";

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
      const deadline = Date.now() + 120_000;
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
  }, 240_000);
});

/** The playground in-process, driven line by line: its commands, the files it saves and its movable clock. */
describe("playground commands", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "erikti-playground-cmd-"));
  const AIGERIM = 700_000_001;
  const DANIYAR = 700_000_002;
  let playground: Playground;
  let output = "";
  const input = new PassThrough();
  let closedResolve: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    closedResolve = resolve;
  });
  // The end of input stops the playground (as in a terminal); then the files go.
  afterAll(async () => {
    input.end();
    await closed;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const waitFor = async (text: string | RegExp, from = 0): Promise<RegExpExecArray | string> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const part = output.slice(from);
      if (typeof text === "string" ? part.includes(text) : text.test(part))
        return typeof text === "string" ? text : text.exec(part)!;
      if (Date.now() > deadline) throw new Error(`${String(text)} never appeared in:\n${output.slice(from)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** Types a line; returns where the output stood, for waitFor. */
  const type = (line: string) => {
    const mark = output.length;
    input.write(`${line}\n`);
    return mark;
  };

  beforeAll(async () => {
    // Before the playground starts: Айгерім is onboarded (no quiet hours) and a message waits for her.
    const database = await openDatabase({ dataDir: join(dataDir, "pglite") });
    await database.migrate();
    await touchUser(database.db, AIGERIM, false);
    await completeOnboarding(database.db, AIGERIM, {
      language: "kk",
      regionCode: "almaty",
      interests: ["ecology"],
      consent: true,
      profile: { firstName: "Айгерім" },
    });
    await database.db.update(users).set({ quietStartMinute: 0, quietEndMinute: 0 }).where(eq(users.id, AIGERIM));
    await enqueue(database.db, {
      chatId: AIGERIM,
      idempotencyKey: "playground-startup",
      content: { template: "reminders.digest_unranked", locale: "kk", params: { title: "Іске қосу", count: 0 } },
    });
    await database.close();

    const output$ = new Writable({
      write(chunk, _encoding, done) {
        output += chunk.toString();
        done();
      },
    });
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "warn" });
    playground = await startPlayground(config, { input, output: output$, exit: () => closedResolve() });
  }, 90_000);

  it("shows what the bot sent while starting", async () => {
    await waitFor("Марафон: Іске қосу");
  });

  it("numbers messages, presses a button of an older one with !N@M and marks the edit", async () => {
    let mark = type("/menu");
    const first = Number(((await waitFor(/#(\d+) Басты мәзір/, mark)) as RegExpExecArray)[1]);
    mark = type("/menu");
    await waitFor(/#\d+ Басты мәзір/, mark);
    const keyboard = playground.emulator
      .botMessages(AIGERIM)
      .find((m) => m.message_id === first)!
      .reply_markup.inline_keyboard.flat() as Array<{ callback_data?: string }>;
    const n = keyboard.findIndex((b) => b.callback_data === "m:marathons") + 1;
    expect(n).toBeGreaterThan(0);
    mark = type(`!${n}@${first}`);
    await waitFor(`✎ edited #${first} 🏃 Марафондар`, mark);
    await waitFor(new RegExp(`\\[!1@${first}\\] `), mark); // the older message's buttons, in rows, by !N@M
    mark = type(`!99@${first}`);
    await waitFor(`No button 99 on message #${first}.`, mark);
    mark = type("!1@99999");
    await waitFor("No message #99999 from the bot", mark);
  });

  it("shows a change of the buttons alone (the ✅ of a chosen interest), in rows", async () => {
    const indexOf = (data: string) => {
      const message = playground.emulator.lastBotMessage(AIGERIM)!;
      const flat = message.reply_markup.inline_keyboard.flat() as Array<{ callback_data?: string }>;
      return { message: message.message_id, n: flat.findIndex((b) => b.callback_data === data) + 1 };
    };
    let mark = type("/settings");
    await waitFor(/\[!1\] /, mark);
    mark = type(`!${indexOf("s:int").n}`);
    await waitFor(/\[!1\] .*\[!2\] /, mark); // two interests a row
    const education = indexOf("s:i:education");
    expect(education.n).toBeGreaterThan(0);
    mark = type(`!${education.n}`);
    await waitFor(`✎ edited #${education.message} (buttons changed)`, mark);
    await waitFor(new RegExp(`\\[!${education.n}\\] ✅`), mark);
  });

  it("saves documents under DATA_DIR/downloads and prints the path", async () => {
    const mark = type("/mydata");
    const saved = (await waitFor(/saved to (\S+\.json)/, mark)) as RegExpExecArray;
    expect(saved[1]!.startsWith(join(dataDir, "downloads"))).toBe(true);
    expect(existsSync(saved[1]!)).toBe(true);
    expect(JSON.parse(readFileSync(saved[1]!, "utf8").replace(/^\uFEFF/, ""))).toBeTruthy();
  });

  it("switches between simulated users with !user N", async () => {
    let mark = type("!user 2");
    await waitFor("You are now Данияр (id 700000002", mark);
    const aigerimBefore = playground.emulator.botMessages(AIGERIM).length;
    mark = type("/start");
    await waitFor("Сәлеметсіз бе, Данияр!", mark);
    expect(playground.emulator.botMessages(DANIYAR).length).toBeGreaterThan(0);
    expect(playground.emulator.botMessages(AIGERIM)).toHaveLength(aigerimBefore);
    mark = type("!user 1");
    await waitFor("You are now Айгерім", mark);
    mark = type("!user");
    await waitFor("!user 2  Данияр (id 700000002, kk)", mark);
  });

  it("moves the bot's clock with !time, so a reminder falls due", async () => {
    const db = playground.app.database.db;
    const startsAt = new Date(Date.now() + 25 * 3_600_000);
    const [action] = await db
      .insert(actions)
      .values({
        titleKk: "Сағат тілі сынағы",
        category: "ecology",
        latitude: 43.24,
        longitude: 76.95,
        addressKk: "Абай даңғылы 1",
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3_600_000),
      })
      .returning({ id: actions.id });
    await db
      .insert(participations)
      .values({ actionId: action!.id, userId: AIGERIM, status: "joined", createdAt: new Date(Date.now() - 3_600_000) });
    // Due 24 h before the start, an hour from now: nothing yet.
    expect(await playground.app.delivery!.scheduler!.runAll()).toMatchObject({ "action-reminders": 0 });
    let mark = type("!time +2h");
    await waitFor("2 h ahead of the real time", mark);
    await waitFor("Scheduler ran: 1 message(s) queued.", mark);
    await waitFor("Сағат тілі сынағы", mark);
    await waitFor(/\[!1\] .*\[!2\] /, mark); // the reminder's two buttons in one row
    mark = type("!time -1h");
    await waitFor("Usage: !time +26h", mark);
    expect(output).not.toContain("Telegram would reject");
  });
});
