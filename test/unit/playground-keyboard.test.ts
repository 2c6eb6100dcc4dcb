import { describe, expect, it } from "vitest";
import type { StoredMessage } from "../../src/playground/emulator/index";
import { buttonRows, parseClockShift, showClock } from "../../src/playground/keyboard";

const noop = () => () => {};
const actions = { press: noop, link: noop, text: noop, location: noop };

describe("playground keyboards and clock", () => {
  it("lays buttons out in their rows: inline ones, then the reply keyboard's", () => {
    const message = {
      message_id: 12,
      chat_id: 1,
      from_bot: true,
      date: 0,
      reply_markup: {
        inline_keyboard: [
          [
            { text: "A", callback_data: "a" },
            { text: "B", callback_data: "b" },
          ],
          [{ text: "Site", url: "https://example.org" }],
        ],
        keyboard: [[{ text: "📍", request_location: true }, "Menu"]],
      },
    } as StoredMessage;
    expect(buttonRows(message, "both", actions).map((b) => [b.label, b.row, b.key])).toEqual([
      ["A", 0, "12:inline:0"],
      ["B", 0, "12:inline:1"],
      ["Site → https://example.org", 1, "12:inline:2"],
      ["📍 ⌨", 2, "12:reply:3"],
      ["Menu ⌨", 2, "12:reply:4"],
    ]);
    expect(buttonRows(message, "inline", actions)).toHaveLength(3);
    expect(buttonRows(undefined, "both", actions)).toEqual([]);
  });

  it("moves the clock forward only, in minutes, hours or days", () => {
    expect(parseClockShift("+26h")).toBe(26 * 3_600_000);
    expect(parseClockShift("90m")).toBe(90 * 60_000);
    expect(parseClockShift("+2d")).toBe(2 * 86_400_000);
    for (const bad of ["-1h", "+0h", "26", "h", "+1.5h", "+26 h"]) expect(parseClockShift(bad), bad).toBeUndefined();
    expect(showClock(Date.UTC(2026, 11, 3, 7, 15), 26 * 3_600_000)).toBe(
      "3 Dec 2026, 12:15 (Asia/Almaty), 26 h ahead of the real time",
    );
  });
});
