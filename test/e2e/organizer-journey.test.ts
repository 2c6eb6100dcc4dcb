import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import {
  actionAlerts,
  actions,
  broadcasts,
  coordinators,
  hourEntries,
  organizations,
  participations,
} from "../../src/db/schema";
import { ALMATY_OFFSET_MS } from "../../src/core/time";
import { setQuietHours } from "../../src/domain/preferences";
import type { LocaleKey } from "../../src/i18n";
import { buttonData, buttons, chatWith, localized, plain } from "../support/chat";
import { testDatabases } from "../support/db";
import { waitFor } from "../support/delivery-fixtures";
import type { ApiCall, BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";
import { onboardUser } from "../support/users";

const HOUR = 3_600_000;

/** `DD.MM.YYYY HH:MM` in Almaty time, as an organizer types a start. */
function typedLocal(at: Date): string {
  const local = new Date(at.getTime() + ALMATY_OFFSET_MS);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(local.getUTCDate())}.${two(local.getUTCMonth() + 1)}.${local.getUTCFullYear()} ${two(local.getUTCHours())}:${two(local.getUTCMinutes())}`;
}
/** What a user sees of a stored message's text: HTML when sent with parse_mode, else as it is. */
const seen = (text: string | undefined) => {
  try {
    return plain(text);
  } catch {
    return text ?? "";
  }
};
const dotted = (day: string) => day.split("-").reverse().join(".");

/**
 * The "Done when" of issue 8, as real people do it, in each language: apply → approve → link a channel → create
 * an action (with wrong answers on the way) → the channel post → a newcomer joins through its Join link → the post
 * shows fewer spots → alerts (a matching volunteer, not the others) → broadcast with progress and report →
 * check-in by the QR link → attendance confirmed → the hours in /hours and in the volunteer book.
 * The dispatcher runs: everything not replying to an update goes through the outbox to the strict fake.
 */
describe.each(testDatabases)("an organizer's journey end to end on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  // Group gaps shortened, so the channel post's edit follows the post without the real 3 s.
  useBot(kind, { delivery: { dispatcher: { perGroupIntervalMs: 100 } } }, (bot) => ({ database, emulator, h } = bot));
  const { last, say, press, pressOn, toast } = chatWith(() => h);
  const db = () => database.db;

  const waitCall = (pred: (c: ApiCall) => boolean, afterSeq: number, timeoutMs = 15_000) =>
    emulator.waitForCall((c) => c.ok && pred(c), { timeoutMs, afterSeq });
  const sentTo = (chatId: number, afterSeq: number, contains?: string) =>
    waitCall(
      (c) =>
        c.method === "sendMessage" &&
        Number(c.params.chat_id) === chatId &&
        (contains === undefined || plain(String(c.params.text)).includes(contains)),
      afterSeq,
    );
  const messageOf = (call: ApiCall) => (call.result as { message_id: number }).message_id;

  for (const language of ["kk", "ru"] as const) {
    const other = language === "kk" ? "ru" : "kk";
    const base = language === "kk" ? 8_400_001_000 : 8_400_002_000;
    const applicant = base + 1;
    const coordinator = base + 2;
    const stranger = base + 3; // the contact of someone else
    const matching = base + 4; // almaty, ecology, alerts at once
    const farAway = base + 5; // astana, ecology, alerts at once
    const otherInterests = base + 6; // almaty, animals, alerts at once
    const newcomer = base + 7; // never used the bot
    const channel = -(1_004_000_000_000 + base);
    const orgName = language === "kk" ? "Жасыл <қала> & Ко" : "Зелёный <город> & Ко";
    const title = language === "kk" ? "Саябақты тазалау & <көктем>" : "Уборка парка & <весна>";
    const l = (key: LocaleKey, options?: Record<string, unknown>) => localized(language, key, options);
    const says = async (user: number, key: LocaleKey, options?: Record<string, unknown>) =>
      expect(plain(last(user).text)).toContain(plain(await l(key, options)));

    it(`applies, is approved, links a channel, publishes, fills, broadcasts, checks in and credits hours (${language})`, async () => {
      // The people around: a coordinator of Almaty and volunteers who onboarded earlier (straight through the domain).
      for (const [id, regionCode, interests] of [
        [applicant, "almaty", ["ecology"]],
        [coordinator, "almaty", ["ecology"]],
        [stranger, "almaty", ["ecology"]],
        [matching, "almaty", ["ecology", "animals"]],
        [farAway, "astana", ["ecology"]],
        [otherInterests, "almaty", ["animals"]],
      ] as const) {
        await onboardUser(db(), emulator, id, { language, firstName: "Самал", regionCode, interests: [...interests] });
        // No quiet hours, so what goes through the outbox is sent whatever the hour of the run.
        await setQuietHours(db(), id, { startMinute: 0, endMinute: 0 });
      }
      await db().insert(coordinators).values({ userId: coordinator, regionCode: "almaty" });
      // Three volunteers switch their alerts to "at once" in /settings (digest → at once).
      for (const id of [matching, farAway, otherInterests]) {
        await say(id, "/settings");
        expect(toast(await press(id, "s:al"))).toBe(
          await l("alerts.mode_saved", { mode: await l("alerts.mode_instant") }),
        );
      }

      // 1. /organize, with wrong answers on the way; the coordinator approves from the outbox notice.
      await say(applicant, "/organize");
      await say(applicant, orgName);
      await says(applicant, `organizer.apply_other_${other}`);
      await say(applicant, language === "kk" ? "Зелёный город" : "Жасыл қала");
      await press(applicant, "oap:k:ngo");
      await press(applicant, "oap:r:almaty");
      await says(applicant, "organizer.apply_phone_prompt");
      await h.send(() =>
        emulator.sendContact(applicant, { phone_number: "77019998877", first_name: "Біреу", user_id: stranger }),
      );
      expect(last(applicant).text).toBe(await l("organizer.apply_phone_not_yours"));
      await h.send(() =>
        emulator.sendContact(applicant, { phone_number: "77011234567", first_name: "Самал", user_id: applicant }),
      );
      await say(applicant, "Саябақтарды тазалаймыз");
      await says(applicant, "organizer.apply_bin_prompt");
      await say(applicant, "123456789012");
      expect(last(applicant).text).toBe(await l("organizer.apply_bin_hint"));
      await say(applicant, "050140001238");
      let seq = emulator.lastSeq();
      await press(applicant, "oap:send");
      expect(last(applicant).text).toBe(await l("organizer.apply_sent"));
      const [applied] = await db().select().from(organizations).where(eq(organizations.ownerId, applicant));
      const orgId = applied!.id;
      expect(applied).toMatchObject({ status: "pending", phone: "+77011234567", bin: "050140001238" });

      const notice = await sentTo(coordinator, seq, "+77011234567");
      seq = emulator.lastSeq();
      await pressOn(coordinator, messageOf(notice), `og:ok:${orgId}`);
      expect(last(coordinator).text).toBe(await l("organizer.decided_approved", { name: orgName }));
      expect((await db().select().from(organizations).where(eq(organizations.id, orgId)))[0]).toMatchObject({
        status: "approved",
        decidedBy: coordinator,
      });
      await sentTo(applicant, seq, plain(await l("organizer.notify_approved", { name: orgName })));

      // 2. The new organizer links a channel from the /org screen: the bot and the organizer are its admins.
      emulator.addChat({ id: channel, type: "channel", title: "Ерікті арна", username: `journey_${language}` });
      emulator.setMember(channel, emulator.botInfo.id, { status: "administrator", canPostMessages: true });
      emulator.setMember(channel, applicant, { status: "creator" });
      await say(applicant, "/org");
      expect(buttonData(last(applicant))).toContain("ch:list");
      await press(applicant, "ch:list");
      await press(applicant, `ch:add:${orgId}`);
      await say(applicant, `@journey_${language}`);
      expect(plain(last(applicant).text)).toContain("Ерікті арна");

      // 3. /newaction: a day that does not exist, a past day, a bad capacity; the start in about 45 minutes, so the
      // check-in (open from an hour before the start) works below without touching the clock.
      seq = emulator.lastSeq();
      await say(applicant, "/newaction");
      await press(applicant, `na:lang:${language}`);
      await say(applicant, title);
      await say(applicant, language === "kk" ? "Қоқыс жинаймыз." : "Собираем мусор.");
      await press(applicant, "na:cat:ecology");
      await say(applicant, "31.02 10:00");
      await says(applicant, "authoring.start_no_such_date");
      await say(applicant, "01.01.2020 10:00");
      await says(applicant, "authoring.start_past");
      await say(applicant, typedLocal(new Date(Date.now() + 45 * 60_000)));
      await say(applicant, language === "kk" ? "2 сағ" : "2 ч");
      await h.send(() => emulator.sendLocation(applicant, 43.239, 76.945));
      await say(applicant, language === "kk" ? "Абай даңғылы, 10" : "проспект Абая, 10");
      await say(applicant, "көп");
      await says(applicant, "authoring.capacity_hint");
      await say(applicant, "0");
      await says(applicant, "authoring.capacity_hint");
      await say(applicant, "3");
      await say(applicant, "2");
      await press(applicant, "na:walk:n");
      await press(applicant, "na:l2:skip");
      expect(plain(last(applicant).text)).toContain(title);
      expect(buttonData(last(applicant))).toContain("na:pub");
      await press(applicant, "na:pub");
      await says(applicant, "authoring.published", { title });
      const [action] = await db().select().from(actions).where(eq(actions.organizationId, orgId));
      const actionId = action!.id;
      expect(action).toMatchObject({ status: "published", capacity: 3, hours: 2, createdBy: applicant });

      // 4. The channel post with a Join link; a newcomer opens it, onboards, joins; the post shows a spot fewer.
      const post = await waitCall((c) => c.method === "sendMessage" && Number(c.params.chat_id) === channel, seq);
      const postId = messageOf(post);
      const posted = emulator.message(channel, postId)!;
      expect(posted.text).toContain(title);
      expect(posted.text).toContain(language === "kk" ? "Бос орын: 3 / 3" : "Свободных мест: 3 из 3");
      const [join] = buttons(posted);
      const link = `https://t.me/${emulator.botInfo.username}?start=a_${actionId}`;
      expect(join!.url).toBe(link);

      emulator.addUser({ id: newcomer, first_name: "Жаңа", language_code: language });
      await say(newcomer, `/start ${new URL(link).searchParams.get("start")}`);
      // The card comes first; Join asks for consent and the region, then joins.
      expect(plain(last(newcomer).text)).toContain(title);
      await press(newcomer, `a:j:${actionId}:n`);
      await press(newcomer, `a:cj:${actionId}:n`);
      const beforeJoin = emulator.lastSeq();
      await press(newcomer, `a:jr:${actionId}:n:almaty`);
      const [joined] = await db()
        .select()
        .from(participations)
        .where(and(eq(participations.actionId, actionId), eq(participations.userId, newcomer)));
      expect(joined).toMatchObject({ status: "joined" });
      await waitCall(
        (c) =>
          c.method === "editMessageText" &&
          Number(c.params.chat_id) === channel &&
          Number(c.params.message_id) === postId &&
          plain(String(c.params.text)).includes(language === "kk" ? "Бос орын: 2 / 3" : "Свободных мест: 2 из 3"),
        beforeJoin,
      );
      expect(buttons(emulator.message(channel, postId))[0]!.url).toBe(link);
      // The newcomer's outbox messages (the broadcast, the hours notice) must not wait for the night to end:
      // they pick "no quiet hours" (a shortcut for the settings screen, which has its own tests).
      await setQuietHours(db(), newcomer, { startMinute: 0, endMinute: 0 });

      // 5. The alert reached the matching volunteer only.
      const alert = await sentTo(matching, seq, title);
      expect(buttonData(emulator.message(matching, messageOf(alert)))).toContain(`a:j:${actionId}:n`);
      // The non-matching ones are not kept for a digest either (the others of the region on "digest" are).
      const alerted = new Map(
        (await db().select().from(actionAlerts).where(eq(actionAlerts.actionId, actionId))).map((a) => [a.userId, a]),
      );
      expect(alerted.get(matching)?.sentAt).toBeInstanceOf(Date);
      expect(alerted.has(farAway) || alerted.has(otherInterests)).toBe(false);
      expect(alerted.has(coordinator)).toBe(true); // matches, on the default daily digest
      for (const id of [farAway, otherInterests, stranger, coordinator]) {
        expect(
          emulator.botMessages(id).filter((m) => seen(m.text ?? m.caption).includes(title)),
          String(id),
        ).toEqual([]);
      }

      // 6. A broadcast to the action's participants from the action's screen: progress, then the final report.
      await say(applicant, "/org");
      await press(applicant, "oa:list");
      await press(applicant, `oa:o:${actionId}`);
      expect(buttonData(last(applicant))).toEqual(
        expect.arrayContaining([`ck:qr:${actionId}`, `ck:att:${actionId}`, `bc:a:${actionId}`]),
      );
      await press(applicant, `bc:a:${actionId}`);
      await press(applicant, "bcs:w:0");
      const message = language === "kk" ? "Ертең қолғап алыңыз!" : "Возьмите перчатки!";
      await say(applicant, message);
      await press(applicant, "bcs:np");
      expect(plain(last(applicant).text)).toContain(": 1");
      await press(applicant, "bcs:ok");
      const [sent] = await db().select().from(broadcasts).where(eq(broadcasts.organizationId, orgId));
      const progress = sent!.progressMessageId!;
      // The progress message comes first; it is then edited in place into the report.
      const first = emulator.calls.find(
        (c) =>
          c.method === "sendMessage" && Number(c.params.chat_id) === applicant && c.ok && messageOf(c) === progress,
      )!;
      const done = plain(
        await l("broadcasts.report_done", { total: 1, sent: 1, pending: 0, blocked: 0, failed: 0, stopped: 0 }),
      );
      await waitFor(
        async () => {
          await h.app.delivery!.scheduler!.runAll();
          return (emulator.message(applicant, progress)?.text ?? "").includes(done);
        },
        20_000,
        "the final report in the progress message",
      );
      expect(plain(String(first.params.text))).not.toContain(done);
      expect(
        emulator.calls.some(
          (c) =>
            c.method === "editMessageText" &&
            Number(c.params.chat_id) === applicant &&
            Number(c.params.message_id) === progress,
        ),
      ).toBe(true);
      await waitFor(
        () => emulator.botMessages(newcomer).some((m) => m.text?.includes(message)),
        15_000,
        "the broadcast to the newcomer",
      );

      // 7. Check-in: the QR's link, opened by the newcomer at the venue (the window opens an hour before the start).
      await press(
        applicant,
        `ck:qr:${actionId}`,
        emulator.botMessages(applicant).findLast((m) => buttonData(m).includes(`ck:qr:${actionId}`))!.message_id,
      );
      const qr = emulator.botMessages(applicant).findLast((m) => m.photo)!;
      const checkin = /https:\/\/t\.me\/[^?]+\?start=(c_[A-Za-z0-9_-]+)/.exec(plain(qr.caption))![1]!;
      await say(newcomer, `/start ${checkin}`);
      expect(last(newcomer).text).toBe(await l("attendance.checked_in", { title }));
      expect(
        (
          await db()
            .select()
            .from(participations)
            .where(and(eq(participations.actionId, actionId), eq(participations.userId, newcomer)))
        )[0]!.checkedInAt,
      ).not.toBeNull();

      // 8. Attendance can be confirmed once the action has started. Waiting 45 minutes is not an option: the
      // start (and end) are moved back in the database, the one clock shortcut of this test.
      await db()
        .update(actions)
        .set({ startsAt: new Date(Date.now() - HOUR), endsAt: new Date(Date.now() + HOUR) })
        .where(eq(actions.id, actionId));
      seq = emulator.lastSeq();
      await say(applicant, "/org");
      await press(applicant, "oa:list");
      await press(applicant, `oa:o:${actionId}`);
      await press(applicant, `ck:att:${actionId}`);
      const toggle = buttons(last(applicant)).find((b) => b.callback_data === `ck:t:${actionId}:${newcomer}:0`)!;
      expect(toggle.text.startsWith("✅")).toBe(true);
      await press(applicant, `ck:ok:${actionId}`);
      const credited = await db()
        .select()
        .from(hourEntries)
        .where(and(eq(hourEntries.actionId, actionId), eq(hourEntries.userId, newcomer)));
      expect(credited).toMatchObject([{ hours: 2, status: "confirmed", source: "attendance" }]);
      const told = await sentTo(newcomer, seq, title);
      expect(plain(String(told.params.text))).toContain(language === "kk" ? "2 сағ." : "2 ч,");

      await say(newcomer, "/hours");
      expect(plain(last(newcomer).text)).toContain(language === "kk" ? "Расталған: 2 сағат" : "Подтверждено: 2 часа");
      await press(newcomer, "h:book");
      await press(newcomer, "h:bp:all");
      await says(newcomer, "hours.name_prompt");
      await say(newcomer, "Жаңа Ерікті");
      const before = emulator.botMessages(newcomer).length;
      await press(newcomer, "h:bp:all");
      const [pdf, csv] = emulator.botMessages(newcomer).slice(before);
      expect(pdf!.document!.data!.subarray(0, 5).toString("latin1")).toBe("%PDF-");
      const rows = csv!.document!.data!.subarray(3).toString("utf8").split("\r\n");
      expect(rows).toContain(
        `${dotted(credited[0]!.activityDate)};${language === "kk" ? "Жасыл <қала> & Ко" : "Зелёный <город> & Ко"};${title};${await l("categories.ecology")};2`,
      );
    });
  }
});
