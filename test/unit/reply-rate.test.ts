import { describe, expect, it } from "vitest";
import { isSend, ReplyPacer } from "../../src/delivery/reply-rate";

describe("reply pacer", () => {
  it("lets replies through at once under its share, then keeps any second to the share, first come first served", async () => {
    const pacer = new ReplyPacer(5);
    const started = Date.now();
    const order: number[] = [];
    const at: number[] = [];
    await Promise.all(
      Array.from({ length: 11 }, async (_, i) => {
        await pacer.acquire();
        order.push(i);
        at.push(Date.now() - started);
      }),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(at.slice(0, 5).every((ms) => ms < 500)).toBe(true); // no wait under the share
    for (let i = 5; i < at.length; i++) expect(at[i]! - at[i - 5]!).toBeGreaterThanOrEqual(990);
    expect(pacer.perSecond()).toBeGreaterThan(0);
  });

  it("counts only what puts a message into a chat", () => {
    for (const method of ["sendMessage", "sendDocument", "copyMessage", "forwardMessage"]) expect(isSend(method)).toBe(true);
    for (const method of ["sendChatAction", "editMessageText", "answerCallbackQuery", "getUpdates"]) expect(isSend(method)).toBe(false);
  });
});
