import type { Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/db";
import { type BotUnderTest, openBot } from "../support/harness";
import { onboardUser } from "../support/users";

/** The work per update, counted: a returning user's button press costs at most 3 SQL statements. */
describe.each(testDatabases)("SQL statements per button press on $name", (kind) => {
  let bot: BotUnderTest;
  let statements: string[] | undefined;
  beforeAll(async () => {
    // No outbox dispatcher or scheduler: their polling would be counted too.
    bot = await openBot(
      { open: () => kind.open({ onQuery: (query) => statements?.push(query) }) },
      { delivery: false },
    );
  });
  afterAll(() => bot?.close());

  async function statementsOf(push: () => Update): Promise<string[]> {
    statements = [];
    await bot.h.send(push);
    const sent = statements;
    statements = undefined;
    return sent;
  }

  it("menu ⇄ My hours: at most 3 statements a press, the user and the conversation state read in one", async () => {
    const { database, emulator, h } = bot;
    const id = 7_301;
    await onboardUser(database.db, emulator, id, { language: "ru" });
    await h.send(() => emulator.sendText(id, "/start"));
    const menu = emulator.lastBotMessage(id)!.message_id;
    for (const [button, title] of [
      ["m:hours", "Мои волонтёрские часы"],
      ["m:home", "Главное меню"],
      ["m:hours", "Мои волонтёрские часы"],
      ["m:home", "Главное меню"],
    ] as const) {
      const sent = await statementsOf(() => emulator.pressButton(id, menu, button));
      expect(emulator.lastBotMessage(id)!.text).toContain(title);
      // At most 3 (the target); today: the user with the conversation state, and for "My hours" the totals.
      expect(sent.length, `${button}:\n${sent.join("\n")}`).toBe(button === "m:hours" ? 2 : 1);
      // One read of the conversation state, and it is the statement that loads the user.
      const reads = sent.filter((query) => query.includes('"conversation_states"'));
      expect(reads, `${button}:\n${sent.join("\n")}`).toHaveLength(1);
      expect(reads[0]).toMatch(/from "users" left join "conversation_states"/);
    }
  });
});
