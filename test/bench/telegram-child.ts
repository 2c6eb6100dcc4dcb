/**
 * The fake Bot API in a child process for the delivery benchmarks (as Telegram runs elsewhere, so the dispatcher has
 * its process to itself). Imported by a benchmark: `fakeTelegram(options)`; run as the child: `--emulator <json>`.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BotApiEmulator, type EmulatorOptions } from "../support/fake-telegram";

/** The first user id the child knows (users FIRST_CHAT … FIRST_CHAT + users - 1 have pressed Start). */
export const FIRST_CHAT = 50_000_000;

type ToChild = { type: "stats"; methods: string[] } | { type: "stop" };
type FromChild =
  | { type: "ready"; apiRoot: string; token: string }
  | { type: "stats"; at: number[]; codes: number[]; methods: string[] };

export interface FakeTelegram {
  apiRoot: string;
  token: string;
  /** Times, status codes and methods of the calls of these methods (default sendMessage) since the last call. */
  sends(methods?: string[]): Promise<{ at: number[]; codes: number[]; methods: string[] }>;
  stop(): Promise<void>;
}

export async function fakeTelegram(options: EmulatorOptions & { users: number }): Promise<FakeTelegram> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ["--emulator", JSON.stringify(options)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = (type: FromChild["type"]) =>
    new Promise<FromChild>((resolve, reject) => {
      const onMessage = (message: FromChild) => {
        if (message.type !== type) return;
        child.off("message", onMessage);
        resolve(message);
      };
      child.on("message", onMessage);
      child.once("exit", (code) => reject(new Error(`fake Telegram exited (${code})`)));
    });
  const ready = (await next("ready")) as Extract<FromChild, { type: "ready" }>;
  return {
    apiRoot: ready.apiRoot,
    token: ready.token,
    async sends(methods = ["sendMessage"]) {
      const answer = next("stats");
      child.send({ type: "stats", methods } satisfies ToChild);
      const stats = (await answer) as Extract<FromChild, { type: "stats" }>;
      return { at: stats.at, codes: stats.codes, methods: stats.methods };
    },
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.send({ type: "stop" } satisfies ToChild);
      await exited;
    },
  };
}

async function runEmulator(): Promise<void> {
  const options = JSON.parse(process.argv[process.argv.indexOf("--emulator") + 1]!) as EmulatorOptions & {
    users: number;
  };
  const emulator = await BotApiEmulator.start(options);
  for (let i = 0; i < options.users; i++) emulator.addUser({ id: FIRST_CHAT + i, first_name: "V" });
  const send = (message: FromChild) => process.send!(message);
  process.on("message", (message: ToChild) => {
    if (message.type === "stats") {
      const sends = emulator.calls.filter((c) => message.methods.includes(c.method));
      // Sent messages are kept by the emulator; drop them so a long run does not grow without bound.
      emulator.calls.length = 0;
      send({
        type: "stats",
        at: sends.map((c) => c.at),
        codes: sends.map((c) => (c.ok ? 200 : c.error!.error_code)),
        methods: sends.map((c) => c.method),
      });
    } else {
      void emulator.close().then(() => process.exit(0));
    }
  });
  send({ type: "ready", apiRoot: emulator.apiRoot, token: emulator.token });
}

if (process.argv.includes("--emulator")) await runEmulator();
