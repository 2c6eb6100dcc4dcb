import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { createInterface } from "node:readline";
import { type App, startApp } from "../app";
import type { Config } from "../config";
import { createLogger } from "../logger";
import { type ApiCall, BotApiEmulator, type FakeUserInit, type StoredMessage } from "./emulator/index";
import { buttonRows, type PlaygroundButton, parseClockShift, showClock } from "./keyboard";
import { htmlToTerminal } from "./render";
import { seedDemo } from "./seed-demo";

/**
 * The simulated people; the same ids every run, so the playground database remembers them. `!user N` switches
 * between them (two people are enough to try a waitlist promotion).
 */
const PLAYGROUND_USERS: FakeUserInit[] = [
  { id: 700_000_001, first_name: "Айгерім", username: "aigerim", language_code: "kk" },
  { id: 700_000_002, first_name: "Данияр", username: "daniyar", language_code: "kk" },
  { id: 700_000_003, first_name: "Мария", username: "maria", language_code: "ru" },
];
const ALMATY = { latitude: 43.238, longitude: 76.9452 };

const HELP = `Playground commands (everything else is sent to the bot as a message):
  !N             press button N of the last keyboard        !N@M  press button N of message #M
  !loc [lat lon] share a location (default: Almaty)
  !lang kk|ru|en set your Telegram app language (then /start)
  !sticker, !photo  send a sticker or a photo
  !user [N]      list the simulated users / become user N    !new  a brand-new user (fresh Telegram id)
  !time [+26h]   show / move the bot's clock forward (m, h or d): reminders fall due at once
  !help          this list        !quit   stop
Messages show their number (#12); "✎ edited #12" is a message changed in place; files are saved under downloads/.`;

const ANSI = { bold: [1, 22], dim: [2, 22], green: [32, 39], yellow: [33, 39], magenta: [35, 39], red: [31, 39] };

export interface PlaygroundIo {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Called after the end of input stopped everything (default: process.exit). */
  exit?: (code: number) => void;
}

export interface Playground {
  stop(): Promise<void>;
  app: App;
  emulator: BotApiEmulator;
}

/** Runs the bot against the built-in Bot API emulator and lets a person chat with it in the terminal. */
export async function startPlayground(config: Config, io: PlaygroundIo = {}): Promise<Playground> {
  const output = io.output ?? process.stdout;
  const color = Boolean(output.isTTY) && !process.env.NO_COLOR;
  const paint = (style: keyof typeof ANSI, text: string) =>
    color ? `\x1b[${ANSI[style][0]}m${text}\x1b[${ANSI[style][1]}m` : text;
  const logFile = join(config.dataDir, "erikti.log");
  const downloads = join(config.dataDir, "downloads");
  const logger = createLogger(config.logLevel, logFile);
  const emulator = await BotApiEmulator.start();
  const people = PLAYGROUND_USERS.map((u) => ({ ...u }));
  let user = emulator.addUser(people[0]!);
  let clockShiftMs = 0;
  const clock = () => Date.now() + clockShiftMs;

  // Until the prompt is up, lines wait here: what the bot sends while it starts (catch-up reminders) is not lost.
  let pending: string[] | undefined = [];
  let rl: ReturnType<typeof createInterface> | undefined;
  const out = (line: string) => {
    if (pending) pending.push(line);
    else output.write(color ? `\r\x1b[K${line}\n` : `${line}\n`);
  };
  const prompt = () => rl?.prompt(true);

  const byId = (chatId: number, messageId: number) =>
    emulator.botMessages(chatId).find((m) => m.message_id === messageId);
  const pressInline = (messageId: number, data: string) => () => emulator.pressButton(user.id, messageId, data);
  const buttonsOf = (message: StoredMessage | undefined, parts: "inline" | "reply" | "both"): PlaygroundButton[] =>
    buttonRows(message, parts, {
      press: pressInline,
      link: (url) => () => out(`  (link: ${url})`),
      text: (text) => () => emulator.sendText(user.id, text),
      location: () => () => emulator.sendLocation(user.id, ALMATY.latitude, ALMATY.longitude),
    });
  /**
   * The last message that removed the reply keyboard, per chat: like Telegram, the keyboard stays removed when that
   * message is deleted afterwards (the bot removes the location keyboard with a message it deletes at once).
   */
  const keyboardRemovedAt = new Map<number, number>();
  emulator.on("call", (call: ApiCall) => {
    const p = call.params as { chat_id?: unknown; reply_markup?: unknown };
    const markup = typeof p.reply_markup === "string" ? JSON.parse(p.reply_markup) : p.reply_markup;
    const sent = call.result as { message_id?: number } | undefined;
    if (call.ok && call.method === "sendMessage" && markup?.remove_keyboard && sent?.message_id)
      keyboardRemovedAt.set(Number(p.chat_id), sent.message_id);
  });
  /** What `!N` presses: the last inline keyboard, then the reply keyboard's buttons. */
  const currentButtons = () => {
    const mine = emulator.botMessages(user.id);
    const inline = mine.findLast((m) => m.reply_markup?.inline_keyboard?.length);
    const lastReply = mine.findLast((m) => m.reply_markup?.keyboard || m.reply_markup?.remove_keyboard);
    const reply = lastReply && lastReply.message_id > (keyboardRemovedAt.get(user.id) ?? 0) ? lastReply : undefined;
    const first = buttonsOf(inline, "inline");
    const rowsBefore = (first.at(-1)?.row ?? -1) + 1;
    return [...first, ...buttonsOf(reply, "reply").map((b) => ({ ...b, row: b.row + rowsBefore }))];
  };
  /** Buttons laid out in their rows, each with the command that presses it. */
  const printRows = (list: PlaygroundButton[], name: (n: number) => string) => {
    const rows: string[][] = [];
    list.forEach((b, i) => {
      rows[b.row] ??= [];
      rows[b.row]!.push(`${paint("yellow", `[${name(i + 1)}]`)} ${b.label}`);
    });
    for (const row of rows) if (row) out(`  ${row.join("   ")}`);
  };
  /** After a message or an edit: its keyboard, numbered for `!N` when it is the current one, else for `!N@M`. */
  const showKeyboardOf = (message: StoredMessage) => {
    const current = currentButtons();
    const own = buttonsOf(message, "both");
    if (own.length === 0) return;
    const isCurrent = own.some((b) => current.some((c) => c.key === b.key));
    if (isCurrent) printRows(current, (n) => `!${n}`);
    else printRows(own, (n) => `!${n}@${message.message_id}`);
  };

  const saveFile = (message: StoredMessage): string | undefined => {
    const fileId = message.document?.file_id ?? message.photo;
    const file = fileId ? emulator.file(fileId) : undefined;
    if (!file?.data) return undefined;
    mkdirSync(downloads, { recursive: true });
    const name = basename(file.file_name ?? (message.photo ? "photo.jpg" : "file.dat")).replace(
      /[^\p{L}\p{N}._-]/gu,
      "_",
    );
    const path = join(downloads, `${message.message_id}-${name}`);
    writeFileSync(path, file.data);
    return path;
  };

  const describe = (call: ApiCall): { text: string; message?: StoredMessage } | undefined => {
    const p = call.params as Record<string, any>;
    if (call.method === "answerCallbackQuery")
      return p.text ? { text: paint("magenta", `💬 ${htmlToTerminal(String(p.text), false)}`) } : undefined;
    const chatId = Number(p.chat_id);
    const result = call.result as { message_id?: number } | true | undefined;
    const messageId = typeof result === "object" && result?.message_id ? result.message_id : Number(p.message_id);
    const message = Number.isFinite(messageId) ? byId(chatId, messageId) : undefined;
    const tag = paint("dim", `#${messageId}`);
    const html = (value: unknown) => htmlToTerminal(String(value ?? ""), color);
    switch (call.method) {
      case "sendMessage":
        return { text: `${paint("green", "🤖")} ${tag} ${html(p.text)}`, message };
      case "editMessageText":
        return { text: `${paint("green", "🤖 ✎ edited")} ${tag} ${html(p.text)}`, message };
      case "editMessageCaption":
        return { text: `${paint("green", "🤖 ✎ edited")} ${tag} ${html(p.caption)}`, message };
      case "editMessageReplyMarkup":
        return {
          text: `${paint("green", "🤖 ✎ edited")} ${tag} ${message?.reply_markup ? "(buttons changed)" : "(buttons removed)"}`,
          message,
        };
      case "deleteMessage":
        return { text: `${paint("green", "🤖 🗑 deleted")} ${tag}` };
      case "sendDocument":
      case "sendPhoto": {
        const what = call.method === "sendPhoto" ? "🖼 photo" : `📎 ${message?.document?.file_name ?? "file"}`;
        const path = message ? saveFile(message) : undefined;
        const caption = p.caption ? ` — ${html(p.caption)}` : "";
        const saved = path ? `\n   ${paint("dim", `saved to ${path}`)}` : "";
        return { text: `${paint("green", "🤖")} ${tag} ${what}${caption}${saved}`, message };
      }
      case "sendLocation":
      case "sendVenue":
        return {
          text: `${paint("green", "🤖")} ${tag} 📍 ${p.title ? `${p.title}, ` : ""}${p.latitude}, ${p.longitude}`,
          message,
        };
      default:
        return undefined;
    }
  };

  // Listening before the bot starts: nothing it sends on the way up is missed.
  emulator.on("call", (call: ApiCall) => {
    if (!call.ok) {
      out(paint("red", `⚠ Telegram would reject ${call.method}: ${call.error?.description}`));
      return;
    }
    const chatId = Number((call.params as { chat_id?: unknown }).chat_id);
    const shown = describe(call);
    if (!shown) return;
    if (call.method !== "answerCallbackQuery" && chatId !== user.id) {
      // Another simulated person's chat (e.g. the waitlist promotion of the user you switched from).
      const other = people.find((u) => u.id === chatId);
      if (other) out(`${paint("dim", `[to ${other.first_name}, !user ${people.indexOf(other) + 1}]`)} ${shown.text}`);
      return;
    }
    out(shown.text);
    if (shown.message) showKeyboardOf(shown.message);
    prompt();
  });

  const app = await startApp(
    { ...config, botToken: emulator.token, apiRoot: emulator.apiRoot, mode: "polling", webhook: undefined },
    { logger, botInfo: emulator.botInfo, pollTimeout: 10, clock },
  );
  // A newcomer can browse and join at once; does nothing once the demo data is there.
  const demo = await seedDemo(app.database.db);

  const startup = pending;
  pending = undefined;
  out(`${paint("bold", "Erikti playground")} — you are ${user.first_name} (Telegram language: ${user.language_code}).`);
  out(`Database: ${config.databaseUrl ? "PostgreSQL" : join(config.dataDir, "pglite")}; logs: ${logFile}`);
  if (demo.seeded)
    out(`Demo data added: ${demo.actions} actions across the 20 regions, marathons and longevity clubs.`);
  out(HELP);
  if (startup.length) {
    out(paint("bold", "While starting, the bot sent:"));
    for (const line of startup) out(line);
  }
  out("Send /start to begin.");
  rl = createInterface({ input: io.input ?? process.stdin, output, prompt: "you › " });
  rl.prompt();

  const switchTo = (next: FakeUserInit) => {
    user = emulator.addUser(next);
    out(`You are now ${user.first_name} (id ${user.id}, Telegram language: ${user.language_code ?? "unset"}).`);
  };

  const moveClock = async (arg: string | undefined) => {
    if (arg !== undefined) {
      const shift = parseClockShift(arg);
      if (shift === undefined) return out("Usage: !time +26h (minutes m, hours h or days d; forward only)");
      clockShiftMs += shift;
    }
    out(`Bot clock: ${showClock(clock(), clockShiftMs)}`);
    if (arg === undefined) return;
    // Due jobs run now instead of at the next minute's tick; the dispatcher sends what they queue.
    const runs = await app.delivery?.scheduler?.runAll();
    const queued = Object.values(runs ?? {}).reduce<number>((sum, n) => sum + (typeof n === "number" ? n : 0), 0);
    out(`Scheduler ran: ${queued} message(s) queued.`);
  };

  const onLine = async (raw: string) => {
    const line = raw.trim();
    if (!line) return;
    const [command, ...args] = line.split(/\s+/);
    if (!command!.startsWith("!")) {
      emulator.sendText(user.id, line);
      return;
    }
    const press = /^!(\d+)(?:@(\d+))?$/.exec(command!);
    if (press) {
      const n = Number(press[1]);
      const target = press[2] === undefined ? undefined : Number(press[2]);
      const message = target === undefined ? undefined : byId(user.id, target);
      if (target !== undefined && !message) return out(`No message #${target} from the bot in this chat.`);
      const list = message ? buttonsOf(message, "both") : currentButtons();
      const button = list[n - 1];
      if (button) button.press();
      else out(`No button ${n}${target === undefined ? "" : ` on message #${target}`}.`);
    } else if (command === "!loc") {
      const [lat, lon] = args.map(Number);
      const point = args.length === 2 ? { latitude: lat!, longitude: lon! } : ALMATY;
      emulator.sendLocation(user.id, point.latitude, point.longitude);
    } else if (command === "!lang") {
      emulator.setLanguage(user.id, args[0]);
      user = { ...user, language_code: args[0] };
      const known = people.find((u) => u.id === user.id);
      if (known) known.language_code = args[0];
      out(`Your Telegram language is now ${args[0] ?? "unset"}.`);
    } else if (command === "!sticker") emulator.sendSticker(user.id);
    else if (command === "!photo") emulator.sendPhoto(user.id, args.join(" ") || undefined);
    else if (command === "!user") {
      const n = Number(args[0]);
      if (args[0] !== undefined && Number.isInteger(n) && people[n - 1]) switchTo(people[n - 1]!);
      else {
        if (args[0] !== undefined) out(`No user ${args[0]}.`);
        for (const [i, u] of people.entries()) {
          const you = u.id === user.id ? "  ← you" : "";
          out(`  !user ${i + 1}  ${u.first_name} (id ${u.id}, ${u.language_code ?? "no language"})${you}`);
        }
      }
    } else if (command === "!new") {
      const fresh: FakeUserInit = {
        id: PLAYGROUND_USERS[0]!.id + 1000 + Math.floor(Math.random() * 1e6),
        first_name: `Қонақ ${people.length + 1}`,
        language_code: "kk",
      };
      people.push(fresh);
      switchTo(fresh);
      out(`A brand-new user (!user ${people.length}). Send /start.`);
    } else if (command === "!time") await moveClock(args[0]);
    else if (command === "!quit") rl?.close();
    else out(HELP);
  };
  rl.on("line", (raw) => {
    void onLine(raw)
      .catch((error: unknown) => out(paint("red", `Playground error: ${(error as Error).message}`)))
      .finally(prompt);
  });

  const stop = async () => {
    rl?.removeAllListeners("close");
    rl?.close();
    await app.stop();
    await emulator.close();
  };
  // In a terminal, readline takes Ctrl-C for itself: treat it like the end of input.
  rl.on("SIGINT", () => rl?.close());
  // When input ends (a piped script), let the bot answer what is pending, then stop.
  rl.on("close", () => {
    void (async () => {
      await waitUntilQuiet(emulator);
      await stop();
      (io.exit ?? process.exit)(0);
    })();
  });
  return { stop, app, emulator };
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
