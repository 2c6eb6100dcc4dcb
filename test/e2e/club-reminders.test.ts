import { like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDateKey } from "../../src/core/time";
import type { DatabaseHandle } from "../../src/db/client";
import { clubCoordinators, clubMeetings, clubMembers, clubs, outbox } from "../../src/db/schema";
import { setQuietHours } from "../../src/domain/preferences";
import { testDatabases } from "../support/db";
import { type BotApiEmulator, parseTelegramHtml } from "../support/fake-telegram";
import { type Harness, openBot } from "../support/harness";
import { onboardUser } from "../support/users";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The exact answers (locales/*\/common.json and reminders.json). */
const TEXTS = {
  kk: { stale: "Бұл батырма ескірді. Мәзірді ашу үшін /menu жіберіңіз.", club: "Клуб кездесуіне шақырамыз" },
  ru: { stale: "Эта кнопка устарела. Чтобы открыть меню, отправьте /menu.", club: "Приглашаем на встречу клуба" },
} as const;

const plain = (html: string | undefined) => parseTelegramHtml(html ?? "").text;

describe.each(testDatabases)("club reminder buttons on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ database, emulator, h, close } = await openBot(kind));
  });
  afterAll(() => close());

  const toast = (update: { callback_query?: { id: string } }) =>
    emulator.calls.find(
      (c) => c.method === "answerCallbackQuery" && c.params.callback_query_id === update.callback_query!.id,
    )?.params.text;
  const press = (id: number, messageId: number, data: string) =>
    h.send(() => emulator.pressButton(id, messageId, data));
  /** Coordinator notices enqueued for a meeting (one per member and date, however often a button is pressed). */
  const notices = async (meetingId: number) =>
    (
      await database.db
        .select({ key: outbox.idempotencyKey })
        .from(outbox)
        .where(like(outbox.idempotencyKey, `club-yes:${meetingId}:%`))
    )
      .map((r) => r.key)
      .sort();

  for (const language of ["kk", "ru"] as const) {
    const t = TEXTS[language];
    const base = language === "kk" ? 8300 : 8400;

    it(`accepts only the date the reminder was sent for, and tells the coordinator once (${language})`, async () => {
      const [member, coordinator] = [base + 1, base + 2];
      for (const id of [member, coordinator]) {
        await onboardUser(database.db, emulator, id, { language });
        await setQuietHours(database.db, id, { startMinute: 0, endMinute: 0 });
      }
      // A weekly meeting three hours from now (local weekday and time).
      const at = new Date(Date.now() + 3 * HOUR);
      const local = new Date(at.getTime() + 5 * HOUR);
      const [club] = await database.db
        .insert(clubs)
        .values({ nameRu: `Club ${language}` })
        .returning();
      await database.db.insert(clubCoordinators).values({ clubId: club!.id, userId: coordinator });
      const [meeting] = await database.db
        .insert(clubMeetings)
        .values({
          clubId: club!.id,
          weekday: local.getUTCDay() || 7,
          startMinute: local.getUTCHours() * 60 + local.getUTCMinutes(),
        })
        .returning();
      await database.db.insert(clubMembers).values({ clubId: club!.id, userId: member });

      const afterSeq = emulator.lastSeq();
      await h.app.delivery!.scheduler!.runAll();
      const call = await emulator.waitForCall(
        (c) =>
          c.method === "sendMessage" &&
          Number(c.params.chat_id) === member &&
          plain(String(c.params.text)).includes(t.club),
        { timeoutMs: 10_000, afterSeq },
      );
      const messageId = (call.result as { message_id: number }).message_id;
      const sentFor = localDateKey(at);
      expect(emulator.message(member, messageId)!.reply_markup!.inline_keyboard.flat()[0]).toMatchObject({
        callback_data: `rem:club:${meeting!.id}:${sentFor}`,
      });

      // Forged dates: the same weekday next week and 400 years on, the last day of 9999, and no date at all.
      const nextWeek = localDateKey(new Date(at.getTime() + 7 * DAY));
      const farAway = localDateKey(new Date(at.getTime() + 7 * DAY * 52 * 400));
      for (const date of [nextWeek, farAway, "99991231", "2026131"]) {
        expect(toast(await press(member, messageId, `rem:club:${meeting!.id}:${date}`))).toBe(t.stale);
      }
      expect(await notices(meeting!.id)).toEqual([]);

      // The real one confirms; pressing it again confirms again but tells the coordinator only once.
      await press(member, messageId, `rem:club:${meeting!.id}:${sentFor}`);
      await press(member, messageId, `rem:club:${meeting!.id}:${sentFor}`);
      expect(await notices(meeting!.id)).toEqual([`club-yes:${meeting!.id}:${sentFor}:${member}:${coordinator}`]);
    });
  }
});
