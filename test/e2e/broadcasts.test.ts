import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type DatabaseHandle, rowsOf } from "../../src/db/client";
import { broadcasts, linkedChats, organizationMutes } from "../../src/db/schema";
import { setQuietHours } from "../../src/domain/preferences";
import { localMinuteOfDay } from "../../src/core/time";
import { addOrganization, addOrganizationAction, join } from "../support/broadcast-fixtures";
import { buttonData, chatWith, localized, plain } from "../support/chat";
import { testDatabases } from "../support/db";
import { waitFor } from "../support/delivery-fixtures";
import type { BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";
import { onboardUser } from "../support/users";

const TRICKY = `Сенбі <b>10:00</b> & "Көк" <script>`;

describe.each(testDatabases)("broadcasts end to end on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  useBot(kind, {}, (bot) => ({ database, emulator, h } = bot));
  const { last, say, press, pressOn, toast, shows } = chatWith(() => h);

  async function person(id: number, language: "kk" | "ru") {
    await onboardUser(database.db, emulator, id, { language });
    await setQuietHours(database.db, id, { startMinute: 0, endMinute: 0 });
  }
  /** Quiet hours around now: normal messages to this person wait (pending) until they end. */
  async function asleep(id: number) {
    const minute = localMinuteOfDay(new Date());
    await setQuietHours(database.db, id, {
      startMinute: (minute + 1440 - 60) % 1440,
      endMinute: (minute + 120) % 1440,
    });
  }
  const broadcastRows = (org: number) =>
    database.db.select().from(broadcasts).where(eq(broadcasts.organizationId, org)).orderBy(broadcasts.id);
  /** The whole conversation for a text to an action's participants (no waitlist, no photo), confirmed. */
  async function sendToParticipants(organizer: number, action: number, text: string) {
    await say(organizer, "/broadcast");
    await press(organizer, "bcs:k:action");
    await press(organizer, `bcs:a:${action}`);
    await press(organizer, "bcs:w:0");
    await say(organizer, text);
    await press(organizer, "bcs:np");
    await press(organizer, "bcs:ok");
  }
  const received = (id: number, contains: string) =>
    emulator.botMessages(id).filter((m) => plain(m.text ?? m.caption).includes(contains));

  for (const language of ["kk", "ru"] as const) {
    const base = language === "kk" ? 71_000 : 72_000;
    const l = (key: Parameters<typeof localized>[1], options?: Record<string, unknown>) =>
      localized(language, key, options);

    it(`broadcasts to an action's participants with progress and a final report; the mute button works (${language})`, async () => {
      const [organizer, v1, v2, waiting] = [base + 1, base + 2, base + 3, base + 4];
      for (const id of [organizer, v1, v2, waiting]) await person(id, language);
      const org = await addOrganization(database.db, {
        nameKk: "Жасыл & ел",
        nameRu: "Зелёная & страна",
        members: [organizer],
      });
      const action = await addOrganizationAction(database.db, org, { titleKk: "Тазалық", titleRu: "Чистота" });
      await join(database.db, action, [v1, v2]);
      await join(database.db, action, [waiting], { status: "waitlisted" });

      await say(organizer, "/broadcast");
      expect(buttonData(last(organizer))).toEqual(["bcs:k:action", "bcs:k:recent", "bcs:k:channels"]);
      await press(organizer, "bcs:k:action");
      expect(buttonData(last(organizer))).toContain(`bcs:a:${action}`);
      await press(organizer, `bcs:a:${action}`);
      await press(organizer, "bcs:w:0");
      expect(plain(emulator.botMessages(organizer).at(-2)!.text)).toContain(language === "kk" ? "Тазалық" : "Чистота");
      expect(last(organizer).text).toBe(await l("broadcasts.text_prompt", { max: 3500 }));

      // Bad input first: nothing visible, then too long; both explained, the step stays.
      await say(organizer, "\u200b \u200b");
      expect(last(organizer).text).toBe(await l("broadcasts.text_empty"));
      await say(organizer, "ә".repeat(3501));
      expect(last(organizer).text).toBe(await l("broadcasts.text_too_long", { max: 3500, length: 3501 }));
      await say(organizer, TRICKY);
      expect(last(organizer).text).toBe(await l("broadcasts.photo_prompt"));
      await press(organizer, "bcs:np");
      // The preview: the message exactly as sent, then the audience size and the buttons.
      const messages = emulator.botMessages(organizer);
      expect(plain(messages.at(-2)!.text)).toBe(TRICKY);
      expect(plain(last(organizer).text)).toContain(": 2");
      expect(buttonData(last(organizer))).toEqual(["bcs:ok", "bcs:ed", "bcs:no"]);
      await press(organizer, "bcs:ok");

      const [row] = await broadcastRows(org);
      expect(row).toMatchObject({ status: "sending", total: 2, text: TRICKY, progressChatId: organizer });
      const progress = row!.progressMessageId!;
      expect(buttonData(emulator.messages(organizer).find((m) => m.message_id === progress))).toEqual([
        `bc:stop:${row!.id}`,
      ]);
      await shows(organizer, progress, plain(await l("broadcasts.report_done", counts(2, 2))));
      expect(await broadcastRows(org)).toMatchObject([{ status: "done" }]);
      expect(received(waiting, TRICKY)).toHaveLength(0);
      const [got] = received(v1, TRICKY);
      expect(got!.reply_markup.inline_keyboard[0][0]).toEqual({
        text: await l("broadcasts.btn_mute", {
          org: language === "kk" ? "Жасыл & ел" : "Зелёная & страна",
          interpolation: { escapeValue: false },
        }),
        callback_data: `bc:mute:${org}`,
      });

      // v1 turns messages from the organization off: the next broadcast skips them.
      expect(toast(await pressOn(v1, got!.message_id, `bc:mute:${org}`))).toContain(
        language === "kk" ? "Жасыл & ел" : "Зелёная & страна",
      );
      expect(await database.db.select().from(organizationMutes).where(eq(organizationMutes.userId, v1))).toHaveLength(
        1,
      );
      // A forged mute for an organization that does not exist changes nothing.
      expect(toast(await pressOn(v1, got!.message_id, "bc:mute:999999"))).toBe(await l("common.stale_button"));

      await say(organizer, "/broadcast");
      await press(organizer, "bcs:k:action");
      await press(organizer, `bcs:a:${action}`);
      await press(organizer, "bcs:w:1");
      await say(organizer, "Екінші хабар");
      await press(organizer, "bcs:np");
      expect(plain(last(organizer).text)).toContain(": 2"); // v2 and the waitlist; v1 muted
      await press(organizer, "bcs:ok");
      const second = (await broadcastRows(org))[1]!;
      await shows(organizer, second.progressMessageId!, plain(await l("broadcasts.report_done", counts(2, 2))));
      expect(received(v1, "Екінші хабар")).toHaveLength(0);
      expect(received(waiting, "Екінші хабар")).toHaveLength(1);
    });

    it(`sends a photo broadcast, refusing a caption that is too long (${language})`, async () => {
      const [organizer, v1] = [base + 11, base + 12];
      for (const id of [organizer, v1]) await person(id, language);
      const org = await addOrganization(database.db, { nameKk: "Фото қоры", members: [organizer] });
      const action = await addOrganizationAction(database.db, org);
      await join(database.db, action, [v1]);

      // From the organizer's screen this time.
      await say(organizer, "/org");
      await press(organizer, "bc:new");
      expect(buttonData(last(organizer))).toEqual(["bcs:k:action", "bcs:k:recent", "bcs:k:channels"]);
      await press(organizer, "bcs:k:recent");
      await press(organizer, "bcs:m:3");
      await say(organizer, "ұ".repeat(1100));
      await h.send(() => emulator.sendPhoto(organizer));
      expect(last(organizer).text).toBe(await l("broadcasts.caption_too_long", { max: 1024, length: 1100 }));
      // Without the photo after all; then Edit: a shorter text, and the photo.
      const photoPrompt = emulator.botMessages(organizer).find((m) => buttonData(m).includes("bcs:np"))!;
      await pressOn(organizer, photoPrompt.message_id, "bcs:np");
      await press(organizer, "bcs:ed");
      await say(organizer, TRICKY);
      await h.send(() => emulator.sendPhoto(organizer));
      const preview = emulator.botMessages(organizer).at(-2)!;
      expect(preview.photo).toBeDefined();
      expect(plain(preview.caption)).toBe(TRICKY);
      await press(organizer, "bcs:ok");
      const [row] = await broadcastRows(org);
      expect(row!.photoFileId).toBeTruthy();
      await shows(organizer, row!.progressMessageId!, plain(await l("broadcasts.report_done", counts(1, 1))));
      const [got] = received(v1, TRICKY);
      expect(got!.photo).toBeDefined();
      expect(got!.caption).toContain("&lt;b&gt;");
    });

    it(`stops a broadcast mid-way: the rest is never sent, the report says so (${language})`, async () => {
      const [organizer, awake, sleeper1, sleeper2] = [base + 21, base + 22, base + 23, base + 24];
      for (const id of [organizer, awake, sleeper1, sleeper2]) await person(id, language);
      await asleep(sleeper1);
      await asleep(sleeper2);
      const org = await addOrganization(database.db, { nameRu: "Стоп-фонд", members: [organizer] });
      const action = await addOrganizationAction(database.db, org);
      await join(database.db, action, [awake, sleeper1, sleeper2]);

      await sendToParticipants(organizer, action, "Тоқтатылатын хабар");
      const [row] = await broadcastRows(org);
      await waitFor(() => received(awake, "Тоқтатылатын хабар").length === 1, 15_000, "the awake volunteer's copy");
      await pressOn(organizer, row!.progressMessageId!, `bc:stop:${row!.id}`);
      expect(await broadcastRows(org)).toMatchObject([{ status: "stopped" }]);
      await shows(
        organizer,
        row!.progressMessageId!,
        plain(await l("broadcasts.report_stopped", { ...counts(3, 1), stopped: 2 })),
      );
      const states = rowsOf<{ state: string; last_error: string | null }>(
        await database.db.execute(
          sql`select state, last_error from outbox where batch = ${`bc:${row!.id}`} order by chat_id`,
        ),
      );
      expect(states.map((s) => s.state)).toEqual(["sent", "dead", "dead"]);
      expect(received(sleeper1, "Тоқтатылатын хабар")).toHaveLength(0);
      // A second press: already over.
      expect(toast(await pressOn(organizer, row!.progressMessageId!, `bc:stop:${row!.id}`))).toBe(
        await l("broadcasts.already_finished"),
      );
    });

    it(`asks which organization, and posts to its channels without a mute button (${language})`, async () => {
      const [organizer, channel] = [base + 41, -(1_000_000_000_000 + base + 41)];
      await person(organizer, language);
      await addOrganization(database.db, { nameKk: "Бірінші", members: [organizer] });
      const second = await addOrganization(database.db, { nameRu: "Вторая", members: [organizer] });
      emulator.addChat({ id: channel, type: "channel", title: "Арна" });
      emulator.setMember(channel, emulator.botInfo.id, { status: "administrator", canPostMessages: true });
      await database.db
        .insert(linkedChats)
        .values({ chatId: channel, organizationId: second, kind: "channel", title: "Арна", linkedBy: organizer });

      await say(organizer, "/broadcast");
      expect(last(organizer).text).toBe(await l("broadcasts.choose_org"));
      expect(toast(await press(organizer, "bcs:o:999999"))).toBe(await l("common.stale_button"));
      await say(organizer, "Арнаға");
      expect(last(organizer).text).toBe(await l("broadcasts.buttons_hint"));
      const choice = emulator.botMessages(organizer).find((m) => buttonData(m).includes(`bcs:o:${second}`))!;
      await pressOn(organizer, choice.message_id, `bcs:o:${second}`);
      await press(organizer, "bcs:k:channels");
      await say(organizer, TRICKY);
      await press(organizer, "bcs:np");
      expect(emulator.botMessages(organizer).at(-2)!.reply_markup).toBeUndefined();
      expect(plain(last(organizer).text)).toContain(": 1");
      await press(organizer, "bcs:ok");
      const [row] = await broadcastRows(second);
      await shows(organizer, row!.progressMessageId!, plain(await l("broadcasts.report_done", counts(1, 1))));
      const [post] = emulator.botMessages(channel);
      expect(plain(post!.text)).toBe(TRICKY);
      expect(post!.reply_markup).toBeUndefined();
    });

    it(`refuses volunteers and other organizations' organizers, with real ids (${language})`, async () => {
      const [owner, outsider, volunteer, v1, v2] = [base + 31, base + 32, base + 33, base + 34, base + 35];
      for (const id of [owner, outsider, volunteer, v1, v2]) await person(id, language);
      await asleep(v1);
      await asleep(v2);
      const org = await addOrganization(database.db, { nameKk: "Біздің ұйым", members: [owner] });
      await addOrganization(database.db, { nameKk: "Басқа ұйым", members: [outsider] });
      const action = await addOrganizationAction(database.db, org);
      await join(database.db, action, [v1, v2]);

      // The owner starts a broadcast (held by the quiet hours): it has a real id to forge with.
      await sendToParticipants(owner, action, "Ішкі хабар");
      const [row] = await broadcastRows(org);

      await say(volunteer, "/broadcast");
      expect(last(volunteer).text).toBe(await l("broadcasts.not_organizer"));
      expect(toast(await press(volunteer, `bc:a:${action}`))).toBe(await l("broadcasts.not_organizer"));
      expect(toast(await press(volunteer, `bc:stop:${row!.id}`))).toBe(await l("broadcasts.forbidden"));
      expect(toast(await press(volunteer, "bc:new"))).toBe(await l("broadcasts.not_organizer"));

      await say(outsider, "/menu");
      expect(toast(await press(outsider, `bc:a:${action}`))).toBe(await l("broadcasts.action_forbidden"));
      expect(toast(await press(outsider, `bc:stop:${row!.id}`))).toBe(await l("broadcasts.forbidden"));
      // The outsider's own broadcast flow never offers the other organization's action.
      await say(outsider, "/broadcast");
      expect(toast(await press(outsider, "bcs:k:action"))).toBe(await l("broadcasts.no_actions"));

      const [after] = await broadcastRows(org);
      expect(after).toMatchObject({ status: "sending" });
      const pending = rowsOf<{ n: string | number }>(
        await database.db.execute(
          sql`select count(*) as n from outbox where batch = ${`bc:${row!.id}`} and state = 'pending'`,
        ),
      );
      expect(Number(pending[0]!.n)).toBe(2);
      // The owner can stop it.
      await pressOn(owner, row!.progressMessageId!, `bc:stop:${row!.id}`);
      expect(await broadcastRows(org)).toMatchObject([{ status: "stopped" }]);
    });
  }
});

function counts(total: number, sent: number) {
  return { total, sent, pending: total - sent, blocked: 0, failed: 0, stopped: 0 };
}
