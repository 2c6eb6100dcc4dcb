import { and, eq, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { localDateKey } from "../../src/core/time";
import type { DatabaseHandle } from "../../src/db/client";
import {
  clubAnswers,
  clubCoordinators,
  clubMeetingExceptions,
  clubMeetings,
  clubMembers,
  clubs,
  coordinators,
  outbox,
  users,
} from "../../src/db/schema";
import { setQuietHours } from "../../src/domain/preferences";
import { createLogger } from "../../src/logger";
import { Scheduler } from "../../src/scheduler";
import { typedAnswer } from "../../src/bot/features/clubs";
import type { LocaleKey } from "../../src/i18n";
import { buttonData, chatWith, deliveredTo, localized, plain } from "../support/chat";
import { testDatabases } from "../support/db";
import type { BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";
import { onboardUser } from "../support/users";

const HOUR = 3_600_000;

describe("typed answers", () => {
  it("understands yes and no in both languages, in any case, with punctuation", () => {
    for (const yes of ["иә", " Келемін! ", "БАРАМЫН.", "да", "Приду!", "да, приду", "Иә, келемін"]) {
      expect(typedAnswer(yes)).toBe("yes");
    }
    for (const no of ["жоқ", "Бара алмаймын.", "нет", "Не приду!", " НЕТ ", "нет, не приду"]) {
      expect(typedAnswer(no)).toBe("no");
    }
    for (const other of ["привет", "келемін бе", "123", "", "да нет"]) expect(typedAnswer(other)).toBeUndefined();
  });
});

describe.each(testDatabases)("longevity clubs on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  // No cron ticks: a club-reminders tick between two steps would remind people the test means to join later.
  // The jobs run when the test says so (runJobs).
  useBot(kind, { delivery: { scheduler: false } }, (live) => ({ database, emulator, h } = live));
  const runJobs = () => new Scheduler({ db: database.db, logger: createLogger("silent") }).runAll();
  const { last, say, press, pressOn, toast } = chatWith(() => h);
  const db = () => database.db;
  const text = (language: "kk" | "ru", key: LocaleKey, params?: Record<string, unknown>) =>
    localized(language, key, params);

  async function person(id: number, language: "kk" | "ru", firstName: string) {
    await onboardUser(db(), emulator, id, { language, firstName });
    await setQuietHours(db(), id, { startMinute: 0, endMinute: 0 });
  }
  const delivered = (chatId: number, contains: string, afterSeq: number) =>
    deliveredTo(emulator, chatId, contains, afterSeq);
  const replyKeyboardOf = (chatId: number) =>
    emulator
      .callsTo(chatId)
      .filter((c) => c.method === "sendMessage")
      .map((c) =>
        typeof c.params.reply_markup === "string" ? JSON.parse(c.params.reply_markup) : c.params.reply_markup,
      )
      .findLast((m) => m && "keyboard" in m) as { keyboard: Array<Array<{ text: string }>> } | undefined;
  const rollOf = (meetingId: number, userId: number) =>
    db()
      .select()
      .from(clubAnswers)
      .where(and(eq(clubAnswers.meetingId, meetingId), eq(clubAnswers.userId, userId)));

  for (const language of ["kk", "ru"] as const) {
    const base = language === "kk" ? 8_600_001_000 : 8_600_002_000;
    const [front, clubCoord, member, invitee, linkJoiner, outsider, otherCoord] = [1, 2, 3, 4, 5, 6, 7].map(
      (i) => base + i,
    ) as [number, number, number, number, number, number, number];
    const nameKk = `«Күміс <жас>» & клубы ${language}`;

    it(`runs a club from /newclub to the coordinator's list, with senior mode (${language})`, async () => {
      await person(front, language, "Фронт");
      await person(clubCoord, language, "Гүлнар");
      await person(member, language, "Әже");
      await person(invitee, language, "Ата");
      await person(linkJoiner, language, "Апа");
      await person(outsider, language, "Бөтен");
      await person(otherCoord, language, "Басқа");
      await db().insert(coordinators).values({ userId: front, regionCode: "almaty" });
      // Another club, coordinated by otherCoord: its coordinator must not manage ours.
      const [other] = await db().insert(clubs).values({ nameRu: "Другой клуб", regionCode: "astana" }).returning();
      await db().insert(clubCoordinators).values({ clubId: other!.id, userId: otherCoord });

      // Only a front office creates clubs.
      await say(outsider, "/newclub");
      expect(last(outsider).text).toBe(await text(language, "clubs.not_front_office"));
      const before = await db().select().from(clubs);

      await say(front, "/newclub");
      expect(last(front).text).toBe(await text(language, "clubs.new_name_kk"));
      await say(front, "x");
      expect(last(front).text).toBe(await text(language, "clubs.new_name_hint"));
      await say(front, nameKk);
      await say(front, "-");
      expect(last(front).text).toBe(await text(language, "clubs.new_address"));
      await say(front, "Абай к-сі 10, Алматы");
      await h.send(() => emulator.sendLocation(front, 43.25, 76.95));
      const [club] = (await db().select().from(clubs)).filter((c) => !before.some((b) => b.id === c.id));
      expect(club).toMatchObject({ nameKk, nameRu: null, regionCode: "almaty", latitude: 43.25 });
      expect(club!.joinCode).toMatch(/^[ACDEFHJKMNPRTUVWXY3479]{6}$/);
      expect(plain(last(front).text)).toContain(club!.joinCode!);

      // The front office appoints the club coordinator by a shared contact; its phone is not kept.
      await press(front, `kl:ap:${club!.id}`);
      const appointSeq = emulator.lastSeq();
      await h.send(() =>
        emulator.sendContact(front, { phone_number: "+77019999999", first_name: "Гүлнар", user_id: clubCoord }),
      );
      expect(last(front).text).toBe(await text(language, "clubs.appointed"));
      // The coordinator is asked whether members may see their phone, and shares their own.
      const phoneAsk = await delivered(clubCoord, nameKk, appointSeq);
      await pressOn(clubCoord, (phoneAsk.result as { message_id: number }).message_id, `kl:ps:${club!.id}`);
      await h.send(() =>
        emulator.sendContact(clubCoord, { phone_number: "+77011112233", first_name: "Гүлнар", user_id: clubCoord }),
      );
      expect(last(clubCoord).text).toBe(await text(language, "clubs.phone_shared"));
      // Not a front office, or the front office of another region: refused, nothing written.
      const farFront = base + 8;
      await person(farFront, language, "Алыс");
      await db().insert(coordinators).values({ userId: farFront, regionCode: "astana" });
      for (const who of [outsider, farFront]) {
        await say(who, "/menu");
        expect(toast(await pressOn(who, last(who).message_id, `kl:ap:${club!.id}`))).toBe(
          await text(language, "clubs.not_front_office"),
        );
        expect(toast(await pressOn(who, last(who).message_id, `kl:o:${club!.id}`))).toBe(
          await text(language, "clubs.not_allowed"),
        );
      }
      expect(
        (await db().select().from(clubCoordinators).where(eq(clubCoordinators.clubId, club!.id))).map((c) => c.userId),
      ).toEqual([clubCoord]);
      // A newcomer typing a code is asked to start first.
      emulator.addUser({ id: base + 9, first_name: "Жаңа", language_code: language });
      await say(base + 9, club!.joinCode!);
      expect(last(base + 9).text).toBe(await text(language, "clubs.start_first"));

      // The club coordinator adds a weekly meeting three hours from now.
      const at = new Date(Date.now() + 3 * HOUR);
      const local = new Date(at.getTime() + 5 * HOUR);
      const weekday = local.getUTCDay() || 7;
      const hhmm = local.toISOString().slice(11, 16);
      await say(clubCoord, "/club");
      expect(buttonData(last(clubCoord))).toContain(`kl:s:${club!.id}`);
      await press(clubCoord, `kl:s:${club!.id}`);
      await press(clubCoord, `kl:add:${club!.id}`);
      await press(clubCoord, `klw:${weekday}`);
      await say(clubCoord, "25:99");
      expect(last(clubCoord).text).toBe(await text(language, "clubs.meeting_time_hint"));
      await say(clubCoord, hhmm);
      await say(clubCoord, "-");
      const [meeting] = await db().select().from(clubMeetings).where(eq(clubMeetings.clubId, club!.id));
      expect(meeting).toMatchObject({ weekday, place: "" });
      const date = localDateKey(at);

      // A member joins by typing the code (lower case, with a space); senior mode comes on with four big buttons.
      const code = club!.joinCode!;
      await say(member, `${code.slice(0, 3).toLowerCase()} ${code.slice(3)}`);
      expect(plain(last(member).text)).toContain(nameKk.replace("<", "<"));
      const keyboard = replyKeyboardOf(member)!;
      expect(keyboard.keyboard.flat().length).toBeLessThanOrEqual(4);
      expect(keyboard.keyboard.flat().map((b) => b.text)).toEqual([
        await text(language, "clubs.senior_btn_next"),
        await text(language, "clubs.senior_btn_come"),
        await text(language, "clubs.senior_btn_call"),
        await text(language, "clubs.senior_btn_language"),
      ]);
      expect((await db().select().from(users).where(eq(users.id, member)))[0]!.seniorMode).toBe(true);
      await say(outsider, "KKK444");
      expect(last(outsider).text).toBe(await text(language, "clubs.code_unknown"));

      // The reminder: day in words, time, the address, "I'll come" and "I can't".
      let seq = emulator.lastSeq();
      await runJobs();
      const reminder = await delivered(member, nameKk, seq);
      expect(plain(String(reminder.params.text))).toContain("Абай к-сі 10");
      const reminderMessage = emulator.message(member, (reminder.result as { message_id: number }).message_id)!;
      expect(buttonData(reminderMessage)).toEqual([
        `rem:club:${meeting!.id}:${date}`,
        `rem:clubno:${meeting!.id}:${date}`,
      ]);

      // A typed answer.
      seq = emulator.lastSeq();
      await say(member, language === "kk" ? "Келемін!" : "  Приду. ");
      expect(plain(last(member).text).split("\n")[0]).toBe(
        plain(await text(language, "clubs.senior_coming_ok", { day: "", time: "" })).split("\n")[0],
      );
      expect((await rollOf(meeting!.id, member))[0]).toMatchObject({ answer: "yes", markedBy: null });
      await delivered(clubCoord, "Әже", seq); // the coordinator is told

      // The coordinator's list for the meeting.
      await say(clubCoord, "/club");
      await press(clubCoord, `kl:m:${club!.id}`);
      expect(buttonData(last(clubCoord))).toContain(`kl:r:${meeting!.id}:${date}`);
      await press(clubCoord, `kl:r:${meeting!.id}:${date}`);
      const roll = plain(last(clubCoord).text);
      expect(roll).toContain(language === "kk" ? "✅ Келеді: Әже" : "✅ Придут: Әже");

      // Marks attendance on the member's behalf.
      await press(clubCoord, `kl:t:${meeting!.id}:${date}:${member}`);
      expect((await rollOf(meeting!.id, member))[0]).toMatchObject({ attended: true, markedBy: clubCoord });

      // Forged presses with this club's real ids: another club's coordinator, a front office, a volunteer.
      const rows = JSON.stringify(await rollOf(meeting!.id, member));
      for (const who of [otherCoord, outsider, front]) {
        await say(who, "/menu");
        for (const data of [
          `kl:t:${meeting!.id}:${date}:${member}`,
          `kl:y:${meeting!.id}:${date}:${member}`,
          `kl:x:${meeting!.id}:${date}`,
          `kl:s:${club!.id}`,
          `kl:q:${club!.id}`,
          `kl:am:${club!.id}`,
        ]) {
          expect(toast(await pressOn(who, last(who).message_id, data))).toBe(await text(language, "clubs.not_allowed"));
        }
      }
      expect(JSON.stringify(await rollOf(meeting!.id, member))).toBe(rows);
      expect(
        await db().select().from(clubMeetingExceptions).where(eq(clubMeetingExceptions.meetingId, meeting!.id)),
      ).toEqual([]);

      // Senior mode: the next meeting (with the count of meetings attended this year), the map pin, the call.
      await say(member, await text(language, "clubs.senior_btn_next"));
      const next = plain(last(member).text);
      expect(next).toContain("Абай к-сі 10");
      expect(next).toContain(plain(await text(language, "clubs.senior_attended", { count: 1 })));
      expect(buttonData(last(member)).length).toBeLessThanOrEqual(3);
      await say(member, "/club"); // a member's /club is the same screen
      expect(plain(last(member).text)).toContain("Абай к-сі 10");
      await press(member, `kl:pin:${meeting!.id}`);
      expect(last(member).location).toEqual({ latitude: 43.25, longitude: 76.95 });
      await say(member, await text(language, "clubs.senior_btn_call"));
      expect(last(member).contact).toMatchObject({ phone_number: "+77011112233", first_name: "Гүлнар" });
      // Typed "I can't", then "I'll come" by the big button.
      await say(member, language === "kk" ? "Бара алмаймын." : "НЕ ПРИДУ");
      expect((await rollOf(meeting!.id, member))[0]!.answer).toBe("no");
      await say(member, await text(language, "clubs.senior_btn_come"));
      expect((await rollOf(meeting!.id, member))[0]!.answer).toBe("yes");
      // The language button switches at once, and back.
      const otherLanguage = language === "kk" ? "ru" : "kk";
      await say(member, await text(language, "clubs.senior_btn_language"));
      expect(last(member).text).toBe(await text(otherLanguage, "clubs.senior_language"));
      await say(member, await text(otherLanguage, "clubs.senior_btn_language"));
      expect(last(member).text).toBe(await text(language, "clubs.senior_language"));
      // Replies that take a reply keyboard away keep the senior one.
      await say(member, "/cancel");
      expect(replyKeyboardOf(member)!.keyboard.flat()).toHaveLength(4);
      expect(
        emulator.callsTo(member).findLast((c) => c.method === "sendMessage")!.params.reply_markup,
      ).not.toMatchObject({ remove_keyboard: true });
      // A senior button inside a conversation leaves it and does what it says.
      await say(member, "/log");
      await say(member, await text(language, "clubs.senior_btn_next"));
      expect(plain(last(member).text)).toContain("Абай к-сі 10");

      // The invite QR code (a PNG) and the deep link.
      await say(clubCoord, "/club");
      await press(clubCoord, `kl:q:${club!.id}`);
      const photo = emulator.botMessages(clubCoord).findLast((m) => m.photo)!;
      const file = emulator.file(photo.photo!)!;
      expect([...file.data!.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const link = `https://t.me/${emulator.botInfo.username}?start=k_${club!.inviteToken}`;
      expect(photo.caption).toContain(link);
      await say(linkJoiner, `/start k_${club!.inviteToken}`);
      expect(plain(last(linkJoiner).text)).toContain(
        plain(await text(language, "clubs.join_welcome", { club: "" })).split("\n")[0]!,
      );
      await say(outsider, "/start k_notarealtoken123");
      expect(last(outsider).text).toBe(await text(language, "clubs.link_invalid"));

      // A member added by the coordinator from a shared contact is asked once, and joins on Yes.
      await say(clubCoord, "/club");
      await press(clubCoord, `kl:mem:${club!.id}`);
      await press(clubCoord, `kl:am:${club!.id}`);
      seq = emulator.lastSeq();
      await h.send(() =>
        emulator.sendContact(clubCoord, { phone_number: "+77010000000", first_name: "Ата", user_id: invitee }),
      );
      expect(last(clubCoord).text).toBe(await text(language, "clubs.invite_asked"));
      const ask = await delivered(invitee, nameKk, seq);
      const askId = (ask.result as { message_id: number }).message_id;
      // Someone who was not asked cannot use the button.
      expect(toast(await pressOn(outsider, last(outsider).message_id, `kl:jy:${club!.id}`))).toBe(
        await text(language, "clubs.join_not_invited"),
      );
      await pressOn(invitee, askId, `kl:jy:${club!.id}`);
      const members = await db().select().from(clubMembers).where(eq(clubMembers.clubId, club!.id));
      expect(members.map((m) => m.userId).sort()).toEqual([member, invitee, linkJoiner].sort());
      // Another club's coordinator cannot remove a member; the club's coordinator can (and adds them back).
      expect(toast(await pressOn(otherCoord, last(otherCoord).message_id, `kl:rmm:${club!.id}:${invitee}`))).toBe(
        await text(language, "clubs.not_allowed"),
      );
      await say(clubCoord, "/club");
      await press(clubCoord, `kl:mem:${club!.id}`);
      await press(clubCoord, `kl:rmm:${club!.id}:${invitee}`);
      expect(
        (await db().select().from(clubMembers).where(eq(clubMembers.clubId, club!.id))).map((m) => m.userId).sort(),
      ).toEqual([member, linkJoiner].sort());
      await db().insert(clubMembers).values({ clubId: club!.id, userId: invitee });

      // The coordinator cancels the date: members are told, and no reminder goes out for it.
      await say(clubCoord, "/club");
      await press(clubCoord, `kl:m:${club!.id}`);
      await press(clubCoord, `kl:r:${meeting!.id}:${date}`);
      seq = emulator.lastSeq();
      await press(clubCoord, `kl:x:${meeting!.id}:${date}`);
      await delivered(
        member,
        plain(await text(language, "clubs.cancelled_notice", { club: "", date: "", time: "" })).split("\n")[0]!,
        seq,
      );
      await runJobs();
      const reminders = await db()
        .select({ key: outbox.idempotencyKey })
        .from(outbox)
        .where(like(outbox.idempotencyKey, `club:${meeting!.id}:%`));
      // Only the member who was there before the cancellation got one; the two who joined later got none.
      expect(reminders.map((r) => r.key)).toEqual([`club:${meeting!.id}:${date}:${member}`]);
      // Anyone may turn senior mode on and off in the settings.
      await say(outsider, "/settings");
      expect(buttonData(last(outsider))).toContain("kl:sm");
      await press(outsider, "kl:sm");
      expect(last(outsider).text).toBe(await text(language, "clubs.senior_on"));
      expect(replyKeyboardOf(outsider)!.keyboard.flat()).toHaveLength(4);
      expect((await db().select().from(users).where(eq(users.id, outsider)))[0]!.seniorMode).toBe(true);
      await say(outsider, "/settings");
      await press(outsider, "kl:sm");
      expect(last(outsider).text).toBe(await text(language, "clubs.senior_off"));
      expect((await db().select().from(users).where(eq(users.id, outsider)))[0]!.seniorMode).toBe(false);

      // "I'll come" now answers for the week after.
      await say(member, await text(language, "clubs.senior_btn_come"));
      const weekAfter = localDateKey(new Date(at.getTime() + 7 * 24 * HOUR));
      expect((await rollOf(meeting!.id, member)).map((r) => [r.date.replaceAll("-", ""), r.answer])).toEqual([
        [date, "yes"],
        [weekAfter, "yes"],
      ]);
    });
  }
});
