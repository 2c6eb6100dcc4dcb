/** The playground's view of keyboards (buttons in their rows) and of its movable clock. */
import { TIME_ZONE } from "../core/time";
import type { StoredMessage } from "./emulator/index";

export interface PlaygroundButton {
  label: string;
  /** The row the button is in, from 0. */
  row: number;
  /** Tells the same button of the same message apart from others: `<message>:<inline|reply>:<n>`. */
  key: string;
  press: () => void;
}

/** What pressing each kind of button does (the playground binds them to the emulator). */
export interface ButtonActions {
  press: (messageId: number, data: string) => () => void;
  link: (url: string) => () => void;
  text: (text: string) => () => void;
  location: () => () => void;
}

type InlineButton = { text: string; callback_data?: string; url?: string };
type ReplyButton = string | { text: string; request_location?: boolean };

/** A message's buttons in keyboard order (inline ones, then reply-keyboard ones), each with its row. */
export function buttonRows(
  message: StoredMessage | undefined,
  parts: "inline" | "reply" | "both",
  actions: ButtonActions,
): PlaygroundButton[] {
  if (!message) return [];
  const buttons: PlaygroundButton[] = [];
  let row = 0;
  if (parts !== "reply") {
    const inline: InlineButton[][] = message.reply_markup?.inline_keyboard ?? [];
    for (const line of inline) {
      for (const b of line) {
        const key = `${message.message_id}:inline:${buttons.length}`;
        if (b.callback_data)
          buttons.push({ label: b.text, row, key, press: actions.press(message.message_id, b.callback_data) });
        else if (b.url) buttons.push({ label: `${b.text} → ${b.url}`, row, key, press: actions.link(b.url) });
      }
      if (line.length) row++;
    }
  }
  if (parts !== "inline") {
    const reply: ReplyButton[][] = message.reply_markup?.keyboard ?? [];
    for (const line of reply) {
      for (const b of line) {
        const text = typeof b === "string" ? b : b.text;
        const location = typeof b === "object" && b.request_location;
        buttons.push({
          label: `${text} ⌨`,
          row,
          key: `${message.message_id}:reply:${buttons.length}`,
          press: location ? actions.location() : actions.text(text),
        });
      }
      if (line.length) row++;
    }
  }
  return buttons;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "+26h", "26h", "+90m", "+2d" → milliseconds forward; undefined for anything else (the clock only goes forward). */
export function parseClockShift(arg: string): number | undefined {
  const match = /^\+?(\d{1,4})([mhd])$/.exec(arg.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  return ms > 0 ? ms : undefined;
}

/** The bot's clock in Almaty time, and how far ahead of the real one it runs. */
export function showClock(nowMs: number, shiftMs: number): string {
  const local = new Intl.DateTimeFormat("en-GB", {
    timeZone: TIME_ZONE,
    dateStyle: "medium",
    timeStyle: "short",
  }).format(nowMs);
  const hours = Math.round((shiftMs / 3_600_000) * 100) / 100;
  return `${local} (Asia/Almaty)${shiftMs ? `, ${hours} h ahead of the real time` : ", the real time"}`;
}
