import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { clubCoordinators, clubMeetings, clubMembers, clubs, participations } from "../../src/db/schema";
import { setQuietHours } from "../../src/domain/preferences";
import { formatDateTime, formatWeekdayDate } from "../../src/i18n/format";
import { findUser } from "../../src/domain/users";
import { testDatabases } from "../support/db";
import { onboardUser } from "../support/users";
import { addAction, addParticipants } from "../support/delivery-fixtures";
import { buttonData, chatWith, localized, plain } from "../support/chat";
import type { ApiCall, BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";

const TRICKY = `Сенбілік <Таза> & "Көк"`;
const HOUR = 3_600_000;

const TEXTS = {
  kk: {
    settings: "Еске салғыштар",
    off: "24 сағат қалғанда: өшірулі",
    quiet: "Тыныштық уақыты: 23:00–07:00",
    noQuiet: "Тыныштық уақыты: жоқ",
    reminder: "Еске саламыз",
    coming: "Тамаша! Сізді",
    left: "қатысудан бас тарттыңыз",
    notJoined: "тізімінде жоқсыз",
    club: "Клуб кездесуіне шақырамыз",
    clubThanks: "Рақмет! Сізді кездесуде күтеміз",
    notMember: "клубтың тізімінде жоқсыз",
    promoted: "Орын босады",
  },
  ru: {
    settings: "Напоминания",
    off: "За 24 часа до акции: выключено",
    quiet: "Тихие часы: 23:00–07:00",
    noQuiet: "Тихие часы: нет",
    reminder: "Напоминаем",
    coming: "Отлично! Ждём вас",
    left: "отказались от участия",
    notJoined: "нет в списке участников",
    club: "Приглашаем на встречу клуба",
    clubThanks: "Спасибо! Ждём вас на встрече",
    notMember: "Вас нет в списке этого клуба",
    promoted: "Освободилось место",
  },
} as const;

describe.each(testDatabases)("reminders end to end on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  useBot(kind, {}, (bot) => ({ database, emulator, h } = bot));
  const { last, say, pressOn, toast } = chatWith(() => h);

  /** An onboarded user with consent; quiet hours off, so the test does not depend on the time of day. */
  async function person(id: number, language: "kk" | "ru", firstName = "Самал") {
    await onboardUser(database.db, emulator, id, { language, firstName });
    await setQuietHours(database.db, id, { startMinute: 0, endMinute: 0 });
  }
  /** Runs the scheduler's jobs now (what the cron ticks do) and waits for the dispatcher to deliver to `chatId`. */
  async function delivered(chatId: number, contains: string): Promise<ApiCall> {
    const afterSeq = emulator.lastSeq();
    await h.app.delivery!.scheduler!.runAll();
    return emulator.waitForCall(
      (c) =>
        c.method === "sendMessage" &&
        Number(c.params.chat_id) === chatId &&
        plain(String(c.params.text)).includes(contains),
      { timeoutMs: 10_000, afterSeq },
    );
  }
  const messageOf = (call: ApiCall) => (call.result as { message_id: number }).message_id;

  for (const language of ["kk", "ru"] as const) {
    const t = TEXTS[language];
    const base = language === "kk" ? 8100 : 8200;

    it(`changes reminders and quiet hours from /settings (${language})`, async () => {
      const id = base + 1;
      await person(id, language);
      await say(id, "/settings");
      await pressOn(id, last(id).message_id, "rem:settings");
      expect(last(id).text).toContain(t.settings);
      await pressOn(id, last(id).message_id, "rem:t24");
      expect(plain(last(id).text)).toContain(t.off);
      expect(await findUser(database.db, id)).toMatchObject({ reminder24h: false, reminder2h: true });
      await pressOn(id, last(id).message_id, "rem:q:23-07");
      expect(plain(last(id).text)).toContain(t.quiet);
      await pressOn(id, last(id).message_id, "rem:q:23-07"); // already chosen: nothing to edit
      expect(await findUser(database.db, id)).toMatchObject({ quietStartMinute: 23 * 60, quietEndMinute: 7 * 60 });
      await pressOn(id, last(id).message_id, "rem:q:off");
      expect(plain(last(id).text)).toContain(t.noQuiet);
      expect(toast(await pressOn(id, last(id).message_id, "rem:q:12-13"))).toBe(
        await localized(language, "common.stale_button"),
      );
      await pressOn(id, last(id).message_id, "rem:t24");
      expect(await findUser(database.db, id)).toMatchObject({
        reminder24h: true,
        quietStartMinute: 0,
        quietEndMinute: 0,
      });
      await pressOn(id, last(id).message_id, "m:settings");
      expect(buttonData(last(id))).toContain("rem:settings");
    });

    it(`delivers action reminders whose buttons confirm, or leave and promote the waitlist (${language})`, async () => {
      const [volunteer, waiting, stranger] = [base + 2, base + 3, base + 4];
      const other = language === "kk" ? "ru" : "kk";
      await person(volunteer, language);
      await person(waiting, other);
      await person(stranger, language);
      await say(stranger, "/menu");
      const now = Date.now();
      const comingTo = await addAction(database.db, {
        title: TRICKY,
        startsAt: new Date(now + 23 * HOUR),
        capacity: 5,
      });
      const leaving = await addAction(database.db, { title: TRICKY, startsAt: new Date(now + 20 * HOUR), capacity: 1 });
      const joinedAt = new Date(now - 72 * HOUR);
      await addParticipants(database.db, comingTo, [volunteer], { joinedAt });
      await addParticipants(database.db, leaving, [volunteer], { joinedAt });
      await addParticipants(database.db, leaving, [waiting], { status: "waitlisted", joinedAt });

      const first = await delivered(volunteer, TRICKY);
      await emulator.waitForCall(
        (c) => c.method === "sendMessage" && Number(c.params.chat_id) === volunteer && c.seq > first.seq,
        10_000,
      );
      const reminders = emulator.botMessages(volunteer).filter((m) => plain(m.text).includes(t.reminder));
      expect(reminders).toHaveLength(2);
      const forComing = reminders.find((m) => buttonData(m).includes(`rem:yes:${comingTo}`))!;
      const forLeaving = reminders.find((m) => buttonData(m).includes(`rem:no:${leaving}`))!;
      expect(plain(forComing.text)).toContain(TRICKY);
      // Rendered when sent: "ертең, 09:30" / "завтра в 09:30" (or today's, near midnight).
      expect(plain(forComing.text)).toContain(`: ${formatDateTime(new Date(now + 23 * HOUR), language)}\n`);

      // "I'm coming": confirmed, and the buttons go away.
      await pressOn(volunteer, forComing.message_id, `rem:yes:${comingTo}`);
      expect(plain(last(volunteer).text)).toContain(t.coming);
      expect(plain(last(volunteer).text)).toContain(TRICKY);
      expect(emulator.message(volunteer, forComing.message_id)!.reply_markup).toEqual({ inline_keyboard: [] });

      // "I can't": asks first, in place of its row; "Back" puts the reminder's buttons back. The card (and map) row
      // below stays as it was throughout.
      const shown = () => buttonData(emulator.message(volunteer, forLeaving.message_id)).filter(Boolean);
      const own = shown();
      expect(own.slice(0, 2)).toEqual([`rem:yes:${leaving}`, `rem:no:${leaving}`]);
      expect(own).toContain(`a:o:${leaving}:m`);
      await pressOn(volunteer, forLeaving.message_id, `rem:no:${leaving}`);
      expect(shown()).toEqual([`rem:ny:${leaving}`, `rem:nb:${leaving}:r`, ...own.slice(2)]);
      await pressOn(volunteer, forLeaving.message_id, `rem:nb:${leaving}:r`);
      expect(shown()).toEqual(own);
      // Confirmed: leaves; the waiting user gets the spot and is told in their own language.
      await pressOn(volunteer, forLeaving.message_id, `rem:no:${leaving}`);
      await pressOn(volunteer, forLeaving.message_id, `rem:ny:${leaving}`);
      expect(plain(last(volunteer).text)).toContain(t.left);
      expect(emulator.message(volunteer, forLeaving.message_id)!.reply_markup).toEqual({ inline_keyboard: [] });
      const status = async (userId: number) =>
        (
          await database.db
            .select({ status: participations.status })
            .from(participations)
            .where(and(eq(participations.actionId, leaving), eq(participations.userId, userId)))
        )[0]?.status;
      expect(await status(volunteer)).toBe("left");
      expect(await status(waiting)).toBe("joined");
      const notice = await emulator.waitForCall(
        (c) => c.method === "sendMessage" && Number(c.params.chat_id) === waiting,
        10_000,
      );
      expect(plain(String(notice.params.text))).toContain(TEXTS[other].promoted);
      expect(plain(String(notice.params.text))).toContain(TRICKY);

      // Pressed again, forged, or for someone else's action: a clear answer, never a failure.
      expect(toast(await pressOn(volunteer, forLeaving.message_id, `rem:no:${leaving}`))).toContain(t.notJoined);
      expect(toast(await pressOn(stranger, last(stranger).message_id, `rem:yes:${comingTo}`))).toContain(t.notJoined);
      expect(toast(await pressOn(volunteer, forComing.message_id, "rem:yes:99999999"))).toBe(
        await localized(language, "common.stale_button"),
      );
    });

    it(`reminds a longevity club member in plain words, with one big confirm button (${language})`, async () => {
      const [senior, coordinator, outsider] = [base + 5, base + 6, base + 7];
      await person(senior, language, `<Әже> & "Ата"`);
      await person(coordinator, "ru", "Гүлнар");
      await person(outsider, language);
      await say(outsider, "/menu");
      // A weekly meeting three hours from now (local weekday and time).
      const at = new Date(Date.now() + 3 * HOUR);
      const local = new Date(at.getTime() + 5 * HOUR);
      const [club] = await database.db
        .insert(clubs)
        .values({ nameKk: `Қуаныш <${language}> & Co`, address: "Абай к-сі 10" })
        .returning();
      await database.db.insert(clubCoordinators).values({ clubId: club!.id, userId: coordinator });
      const [meeting] = await database.db
        .insert(clubMeetings)
        .values({
          clubId: club!.id,
          weekday: local.getUTCDay() || 7,
          startMinute: local.getUTCHours() * 60 + local.getUTCMinutes(),
          place: "Мәдениет үйі",
        })
        .returning();
      await database.db.insert(clubMembers).values({ clubId: club!.id, userId: senior });

      const call = await delivered(senior, t.club);
      const reminder = emulator.message(senior, messageOf(call))!;
      const [button] = reminder.reply_markup!.inline_keyboard.flat();
      expect(reminder.reply_markup!.inline_keyboard).toHaveLength(1);
      expect(plain(String(call.params.text))).toContain(`Қуаныш <${language}> & Co`);
      expect(plain(String(call.params.text))).toContain("Мәдениет үйі");
      // The day as seniors plan it: weekday words ("бүгін, сейсенбі" / "сегодня, вторник"), no year.
      expect(plain(String(call.params.text))).toContain(`📅 ${formatWeekdayDate(at, language)}\n`);
      const data = (button as { callback_data: string }).callback_data;
      expect(data).toMatch(new RegExp(`^rem:club:${meeting!.id}:\\d{8}$`));

      expect(toast(await pressOn(outsider, last(outsider).message_id, data))).toContain(t.notMember);
      expect(toast(await pressOn(senior, reminder.message_id, `rem:club:${meeting!.id}:19990101`))).toBe(
        await localized(language, "common.stale_button"),
      );
      await pressOn(senior, reminder.message_id, data);
      expect(plain(last(senior).text)).toContain(t.clubThanks);
      const told = await emulator.waitForCall(
        (c) =>
          c.method === "sendMessage" &&
          Number(c.params.chat_id) === coordinator &&
          String(c.params.text).includes("Әже"),
        10_000,
      );
      expect(plain(String(told.params.text))).toContain(`<Әже> & "Ата" придёт на встречу клуба`);
    });
  }
});
