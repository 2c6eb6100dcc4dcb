import { and, eq, inArray } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { outbox, users } from "../../src/db/schema";
import { PUBLIC_COMMANDS, staffCommands } from "../../src/domain/command-menu";
import { appointCoordinator, removeCoordinator } from "../../src/domain/front-office";
import { deleteAccount } from "../../src/domain/privacy";
import { touchUser } from "../../src/domain/users";
import { addOrganization } from "../support/channel-fixtures";
import { chatWith, localized } from "../support/chat";
import { testDatabases } from "../support/db";
import type { BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";
import { onboardUser } from "../support/users";

describe.each(testDatabases)("staff command menus on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  const admin = 8_700_000_001;
  const organizer = 8_700_000_002;
  const coordinator = 8_700_000_003;
  const volunteer = 8_700_000_004;
  const admins = new Set([admin]);

  useBot(kind, { env: { ADMIN_IDS: String(admin) } }, (live) => ({ database, emulator, h } = live));
  const { say } = chatWith(() => h);
  const db = () => database.db;
  const chatMenu = (chatId: number) => emulator.myCommands("", { type: "chat", chat_id: chatId });
  const commandsOf = (chatId: number) => chatMenu(chatId).map((c) => c.command);

  /** Runs the jobs now (the 20-second tick may have run them already) and waits until delivery made every menu call. */
  async function menusDelivered() {
    await h.app.delivery!.scheduler!.runAll();
    await vi.waitFor(
      async () => {
        const waiting = await db()
          .select({ id: outbox.id })
          .from(outbox)
          .where(and(eq(outbox.kind, "commands"), inArray(outbox.state, ["pending", "sending"])));
        expect(waiting).toEqual([]);
      },
      { timeout: 10_000, interval: 50 },
    );
  }

  it("gives organizers, coordinators and admins their own commands in their language, and takes them back", async () => {
    await onboardUser(db(), emulator, admin, { language: "ru" });
    await onboardUser(db(), emulator, organizer, { language: "kk" });
    await onboardUser(db(), emulator, coordinator, { language: "ru" });
    await onboardUser(db(), emulator, volunteer, { language: "kk" });
    await addOrganization(db(), { ownerId: organizer });
    await appointCoordinator(db(), { adminId: admin, adminIds: admins, userId: coordinator, regionCode: "almaty" });

    await menusDelivered();
    expect(commandsOf(organizer)).toEqual(staffCommands(["organizer"]));
    expect(commandsOf(organizer)).toEqual(expect.arrayContaining(["org", "newaction", "broadcast", "claims"]));
    expect(commandsOf(organizer)).not.toContain("stats");
    expect(chatMenu(organizer).find((c) => c.command === "org")?.description).toBe(
      await localized("kk", "commands.org"),
    );
    expect(commandsOf(coordinator)).toEqual(expect.arrayContaining(["stats", "announce", "callout", "newclub"]));
    expect(commandsOf(coordinator)).not.toContain("appoint");
    expect(chatMenu(coordinator).find((c) => c.command === "stats")?.description).toBe(
      await localized("ru", "commands.stats"),
    );
    expect(commandsOf(admin)).toEqual(expect.arrayContaining(["appoint", "coordinators", "stats", "callout"]));
    // Everyone keeps the public commands; a volunteer has no menu of their own.
    for (const chatId of [organizer, coordinator, admin]) {
      expect(commandsOf(chatId)).toEqual(expect.arrayContaining([...PUBLIC_COMMANDS]));
    }
    expect(chatMenu(volunteer)).toEqual([]);
    expect(emulator.myCommands("kk").map((c) => c.command)).toEqual([...PUBLIC_COMMANDS]);

    // Nothing changed: nothing is sent again.
    const rows = async () => (await db().select().from(outbox).where(eq(outbox.kind, "commands"))).length;
    const before = await rows();
    await h.app.delivery!.scheduler!.runAll();
    expect(await rows()).toBe(before);

    // A new language redraws the menu in it (here through /language's own storage).
    await db().update(users).set({ language: "ru" }).where(eq(users.id, organizer));
    await menusDelivered();
    expect(chatMenu(organizer).find((c) => c.command === "org")?.description).toBe(
      await localized("ru", "commands.org"),
    );

    // A coordinator removed by the admin is back to the public menu.
    await removeCoordinator(db(), { adminId: admin, adminIds: admins, userId: coordinator, regionCode: "almaty" });
    await menusDelivered();
    expect(chatMenu(coordinator)).toEqual([]);
    expect((await db().select().from(users).where(eq(users.id, coordinator)))[0]?.commandMenu).toBeNull();

    // Back from blocking the bot: the menu is set again (a row dropped while blocked is not lost for good).
    await db().update(users).set({ blockedAt: new Date() }).where(eq(users.id, admin));
    await touchUser(db(), admin, true);
    expect((await db().select().from(users).where(eq(users.id, admin)))[0]?.commandMenu).toBeNull();
    await menusDelivered();
    expect(commandsOf(admin)).toContain("appoint");

    // Deleting the account says the chat had a staff menu (the bot then deletes it: test/e2e/privacy.test.ts).
    expect(await deleteAccount(db(), organizer, admins)).toMatchObject({ staffMenu: true });
    expect(await deleteAccount(db(), volunteer, admins)).toMatchObject({ staffMenu: false });
  });

  it("a staff command typed by someone who may not use it is still refused (the menu is only a menu)", async () => {
    await say(volunteer, "/stats");
    expect(emulator.botMessages(volunteer).at(-1)?.text).toBe(await localized("kk", "front_office.forbidden_staff"));
  });
});
