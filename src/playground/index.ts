import { join } from "node:path";
import { createInterface } from "node:readline";
import { startApp } from "../app";
import type { Config } from "../config";
import { seedDemo } from "./seed-demo";
import { createLogger } from "../logger";
import { type ApiCall, BotApiEmulator, type StoredMessage } from "./emulator/index";
import { htmlToTerminal } from "./render";

/** The simulated person; the same id every run, so the playground database remembers them. */
const PLAYGROUND_USER = { id: 700_000_001, first_name: "Айгерім", username: "aigerim", language_code: "kk" };
const ALMATY = { latitude: 43.238, longitude: 76.9452 };

const HELP = `Playground commands (everything else is sent to the bot as a message):
  !N            press button N of the last keyboard
  !loc [lat lon] share a location (default: Almaty)
  !lang kk|ru|en set your Telegram app language (then /start)
  !sticker, !photo  send a sticker or a photo
  !new          become a new user (fresh Telegram id)
  !help         this list        !quit   stop`;

const COLOR = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const ANSI = { bold: [1, 22], green: [32, 39], yellow: [33, 39], magenta: [35, 39], red: [31, 39] } as const;
const paint = (style: keyof typeof ANSI, text: string) =>
  COLOR ? `\x1b[${ANSI[style][0]}m${text}\x1b[${ANSI[style][1]}m` : text;

interface Button {
  label: string;
  press: () => void;
}

/** Runs the bot against the built-in Bot API emulator and lets a person chat with it in the terminal. */
export async function startPlayground(config: Config): Promise<{ stop(): Promise<void> }> {
  const logFile = join(config.dataDir, "erikti.log");
  const logger = createLogger(config.logLevel, logFile);
  const emulator = await BotApiEmulator.start();
  let user = emulator.addUser({ ...PLAYGROUND_USER });
  const app = await startApp(
    { ...config, botToken: emulator.token, apiRoot: emulator.apiRoot, mode: "polling", webhook: undefined },
    { logger, botInfo: emulator.botInfo, pollTimeout: 10 },
  );
  // A newcomer can browse and join at once; does nothing once the demo data is there.
  const demo = await seedDemo(app.database.db);

  const out = (line: string) => process.stdout.write(COLOR ? `\r\x1b[K${line}\n` : `${line}\n`);
  let buttons: Button[] = [];

  const refreshButtons = () => {
    const mine = emulator.botMessages(user.id);
    buttons = [];
    const inline = [...mine].reverse().find((m) => m.reply_markup?.inline_keyboard?.length);
    for (const row of inline?.reply_markup?.inline_keyboard ?? []) {
      for (const b of row) {
        if (b.callback_data)
          buttons.push({
            label: b.text,
            press: () => emulator.pressButton(user.id, inline!.message_id, b.callback_data),
          });
        else if (b.url) buttons.push({ label: `${b.text} → ${b.url}`, press: () => out(`  (link: ${b.url})`) });
      }
    }
    const reply = [...mine].reverse().find((m) => m.reply_markup?.keyboard || m.reply_markup?.remove_keyboard);
    for (const row of reply?.reply_markup?.keyboard ?? []) {
      for (const b of row) {
        const text = typeof b === "string" ? b : b.text;
        const location = typeof b === "object" && b.request_location;
        buttons.push({
          label: `${text} ⌨`,
          press: () =>
            location
              ? emulator.sendLocation(user.id, ALMATY.latitude, ALMATY.longitude)
              : emulator.sendText(user.id, text),
        });
      }
    }
  };

  const showButtons = () => {
    refreshButtons();
    if (buttons.length) out(buttons.map((b, i) => `  ${paint("yellow", `[!${i + 1}]`)} ${b.label}`).join("\n"));
  };

  const describe = (call: ApiCall): string | undefined => {
    const p = call.params as Record<string, any>;
    if (Number(p.chat_id) !== user.id && call.method !== "answerCallbackQuery") return undefined;
    switch (call.method) {
      case "sendMessage":
        return `${paint("green", "🤖")} ${htmlToTerminal(String(p.text), COLOR)}`;
      case "editMessageText":
        return `${paint("green", "🤖 ✎")} ${htmlToTerminal(String(p.text), COLOR)}`;
      case "answerCallbackQuery":
        return p.text ? paint("magenta", `💬 ${htmlToTerminal(String(p.text), false)}`) : undefined;
      case "sendDocument":
        return `${paint("green", "🤖 📎")} ${(call.result as { document?: { file_name?: string } })?.document?.file_name ?? "file"}${p.caption ? ` — ${htmlToTerminal(String(p.caption), COLOR)}` : ""}`;
      case "sendLocation":
      case "sendVenue":
        return `${paint("green", "🤖 📍")} ${p.title ? `${p.title}, ` : ""}${p.latitude}, ${p.longitude}`;
      default:
        return undefined;
    }
  };

  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: "you › " });
  emulator.on("call", (call: ApiCall) => {
    if (!call.ok) {
      out(paint("red", `⚠ Telegram would reject ${call.method}: ${call.error?.description}`));
      return;
    }
    const line = describe(call);
    if (!line) return;
    out(line);
    if (call.method !== "answerCallbackQuery") showButtons();
    rl.prompt(true);
  });

  out(`${paint("bold", "Erikti playground")} — you are ${user.first_name} (Telegram language: ${user.language_code}).`);
  out(`Database: ${config.databaseUrl ? "PostgreSQL" : join(config.dataDir, "pglite")}; logs: ${logFile}`);
  if (demo.seeded)
    out(`Demo data added: ${demo.actions} actions across the 20 regions, marathons and longevity clubs.`);
  out(HELP);
  out("Send /start to begin.");
  rl.prompt();

  rl.on("line", (raw) => {
    const line = raw.trim();
    if (!line) return rl.prompt();
    const [command, ...args] = line.split(/\s+/);
    if (!command!.startsWith("!")) {
      emulator.sendText(user.id, line);
      return;
    }
    const n = Number(command!.slice(1));
    if (Number.isInteger(n) && n > 0) {
      refreshButtons();
      const button = buttons[n - 1];
      if (button) button.press();
      else out(`No button ${n}.`);
    } else if (command === "!loc") {
      const [lat, lon] = args.map(Number);
      const point = args.length === 2 ? { latitude: lat!, longitude: lon! } : ALMATY;
      emulator.sendLocation(user.id, point.latitude, point.longitude);
    } else if (command === "!lang") {
      emulator.setLanguage(user.id, args[0]);
      user = { ...user, language_code: args[0] };
      out(`Your Telegram language is now ${args[0] ?? "unset"}.`);
    } else if (command === "!sticker") emulator.sendSticker(user.id);
    else if (command === "!photo") emulator.sendPhoto(user.id, args.join(" ") || undefined);
    else if (command === "!new") {
      user = emulator.addUser({ ...PLAYGROUND_USER, id: PLAYGROUND_USER.id + Math.floor(Math.random() * 1e6) + 1 });
      out(`You are now a new user (id ${user.id}). Send /start.`);
    } else if (command === "!quit") rl.close();
    else out(HELP);
    rl.prompt();
  });

  const stop = async () => {
    rl.removeAllListeners("close");
    rl.close();
    await app.stop();
    await emulator.close();
  };
  // In a terminal, readline takes Ctrl-C for itself: treat it like the end of input.
  rl.on("SIGINT", () => rl.close());
  // When input ends (a piped script), let the bot answer what is pending, then stop.
  rl.on("close", () => {
    void (async () => {
      await waitUntilQuiet(emulator);
      await stop();
      process.exit(0);
    })();
  });
  return { stop };
}

async function waitUntilQuiet(emulator: BotApiEmulator): Promise<void> {
  let last = emulator.calls.length;
  for (;;) {
    await new Promise((r) => setTimeout(r, 400));
    if (emulator.pendingUpdates() === 0 && emulator.calls.length === last) return;
    last = emulator.calls.length;
  }
}

export type { StoredMessage };
