import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotApiEmulator } from "../support/fake-telegram";
import { guardRejections, type RejectionGuard } from "../support/rejections";

/** The harness's check that no request was rejected: what it reports, and what a test may allow on purpose. */
describe("guardRejections", () => {
  let emulator: BotApiEmulator;
  let guard: RejectionGuard;
  beforeAll(async () => {
    emulator = await BotApiEmulator.start();
    emulator.addUser({ id: 1, first_name: "A" });
    guard = guardRejections(emulator);
  });
  afterAll(() => emulator.close());

  const call = (method: string, params: Record<string, unknown>) =>
    fetch(`${emulator.apiRoot}/bot${emulator.token}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(params),
    });

  it("is one guard per fake Telegram", () => {
    expect(guardRejections(emulator)).toBe(guard);
  });

  it("reports a rejected call once, with Telegram's description", async () => {
    await call("sendMessage", { chat_id: 1, text: "<b>unclosed", parse_mode: "HTML" });
    expect(() => guard.check()).toThrow(
      /rejected 1 call\(s\)[\s\S]*sendMessage → 400 Bad Request: can't parse entities/,
    );
    expect(() => guard.check()).not.toThrow(); // already reported
  });

  it("counts 'message is not modified' unless allowed, and hands allowed ones to take()", async () => {
    const sent = (await (await call("sendMessage", { chat_id: 1, text: "same" })).json()) as {
      result: { message_id: number };
    };
    const edit = () => call("editMessageText", { chat_id: 1, message_id: sent.result.message_id, text: "same" });
    await edit();
    expect(() => guard.check()).toThrow(/message is not modified/);
    guard.allowRejected("message is not modified");
    await edit();
    expect(() => guard.check()).not.toThrow();
    expect(guard.take().map((c) => c.method)).toEqual(["editMessageText"]);
    expect(guard.take()).toEqual([]);
    guard.allowRejected(/chat not found/);
    await call("sendMessage", { chat_id: 404, text: "x" });
    // Not checked yet: the end of this test checks it, and it is allowed.
  });

  it("forgets what was allowed when the test ends", async () => {
    await call("sendMessage", { chat_id: 404, text: "x" });
    expect(() => guard.check()).toThrow(/chat not found/);
  });
});
