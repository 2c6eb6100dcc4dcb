import { and, desc, eq, isNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { localMinuteOfDay } from "../../src/core/time";
import { broadcasts, coordinatorInvites, coordinators, outbox, PRIORITY, users } from "../../src/db/schema";
import { broadcastState } from "../../src/domain/broadcasts";
import { setQuietHours } from "../../src/domain/preferences";
import { regionFigures } from "../../src/domain/stats";
import { completeOnboarding, touchUser } from "../../src/domain/users";
import type { LocaleKey } from "../../src/i18n";
import { buttonData, chatWith, localized, plain } from "../support/chat";
import { testDatabases } from "../support/db";
import type { ApiCall, BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";
import { pngSize, seedStats } from "../support/stats-fixtures";
import { onboardUser } from "../support/users";

describe.each(testDatabases)("front offices: /appoint, /stats with charts and CSV, /announce on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  const admin = 8_900_000_001;

  useBot(kind, { env: { ADMIN_IDS: String(admin) } }, (live) => ({ database, emulator, h } = live));
  const { last, say, press, pressOn, toast, shows } = chatWith(() => h);
  const db = () => database.db;
  const text = (language: "kk" | "ru", key: LocaleKey, params?: Record<string, unknown>) =>
    localized(language, key, params);

  async function person(
    id: number,
    language: "kk" | "ru",
    firstName: string,
    regionCode: string,
    interests: Array<"ecology" | "social" | "health"> = ["ecology"],
  ) {
    await onboardUser(db(), emulator, id, { language, firstName, regionCode, interests });
  }
  function delivered(chatId: number, contains: string, afterSeq: number): Promise<ApiCall> {
    return emulator.waitForCall(
      (c) =>
        c.method === "sendMessage" &&
        Number(c.params.chat_id) === chatId &&
        plain(String(c.params.text)).includes(contains),
      { timeoutMs: 10_000, afterSeq },
    );
  }
  /** The outbox notice to `chatId` that reads exactly `key` (a direct reply may contain the same words). */
  async function notice(
    chatId: number,
    language: "kk" | "ru",
    key: LocaleKey,
    params: Record<string, unknown>,
    afterSeq: number,
  ) {
    const expected = plain(await text(language, key, params));
    return emulator.waitForCall(
      (c) =>
        c.method === "sendMessage" && Number(c.params.chat_id) === chatId && plain(String(c.params.text)) === expected,
      { timeoutMs: 10_000, afterSeq },
    );
  }
  /** The latest announcement (a broadcast without an organization) of this sender. */
  async function announcementOf(senderId: number) {
    const rows = await db()
      .select()
      .from(broadcasts)
      .where(and(eq(broadcasts.createdBy, senderId), isNull(broadcasts.organizationId)))
      .orderBy(desc(broadcasts.id))
      .limit(1);
    return rows[0]!;
  }
  /** Quiet hours around now: a normal message to this person waits (pending) until they end. */
  async function asleep(id: number) {
    const minute = localMinuteOfDay(new Date());
    await setQuietHours(db(), id, { startMinute: (minute + 1440 - 60) % 1440, endMinute: (minute + 120) % 1440 });
  }
  const coordinatorRows = () => db().select().from(coordinators).orderBy(coordinators.userId);
  const botMessages = (chatId: number) => emulator.botMessages(chatId);

  for (const language of ["kk", "ru"] as const) {
    const base = language === "kk" ? 8_900_100_000 : 8_900_200_000;
    const [regionA, regionB] = language === "kk" ? ["almaty", "astana"] : ["shymkent", "abai"];
    const byContact = base + 1;
    const byInvite = base + 2;
    const byForward = base + 3;
    const volunteer = base + 4;
    const lateOpener = base + 5;
    const hidden = base + 6;
    const social = base + 7; // region A, interested in "social" only
    const blocked = base + 8;
    const noConsent = base + 9;
    let seeded: Awaited<ReturnType<typeof seedStats>>;

    it(`appoints a coordinator by a shared contact; both hear of it (${language})`, async () => {
      await person(admin, "ru", "Админ", "astana").catch(() => {}); // once for both languages
      await person(byContact, language, "Үйлестіруші", regionA);
      await person(byInvite, language, "Шақырылған", regionB);
      await person(byForward, language, "Қайта", regionA);
      await person(volunteer, language, "Ерікті", regionA);
      await person(lateOpener, language, "Кеш", regionA);
      await person(social, language, "Әлеумет", regionA, ["social"]);
      await person(blocked, language, "Бұғат", regionA);
      await db().update(users).set({ blockedAt: new Date() }).where(eq(users.id, blocked));
      await touchUser(db(), noConsent, false);
      await completeOnboarding(db(), noConsent, {
        language,
        regionCode: regionA,
        interests: ["ecology"],
        consent: false,
        profile: { firstName: "Жоқ" },
      });
      seeded = await seedStats(db(), base + 100, new Date(), { a: regionA, b: regionB });
      // The fixture's people (Russian speakers) can be written to.
      for (let id = base + 101; id <= base + 109; id++) emulator.addUser({ id, first_name: "P", language_code: "ru" });

      await emulator.setLanguage(admin, language);
      await db().update(users).set({ language }).where(eq(users.id, admin));
      await say(admin, "/appoint");
      expect(last(admin).text).toBe(await text(language, "front_office.appoint_region"));
      expect(buttonData(last(admin))).toContain(`fo:ar:${regionA}`);
      await press(admin, `fo:ar:${regionA}`);
      expect(buttonData(last(admin))).toEqual([`fo:inv:${regionA}`]);
      // A plain text is not a person: a hint, nothing written.
      await say(admin, "Айгерім");
      expect(last(admin).text).toBe(await text(language, "front_office.appoint_hint"));
      // A contact without a Telegram account.
      await h.send(() => emulator.sendContact(admin, { phone_number: "+77010000000", first_name: "Нет" }));
      expect(last(admin).text).toBe(await text(language, "front_office.appoint_contact_no_id"));
      const seq = emulator.lastSeq();
      await h.send(() =>
        emulator.sendContact(admin, { phone_number: "+77011112233", first_name: "Үйлестіруші", user_id: byContact }),
      );
      const region = language === "kk" ? "Алматы" : "Шымкент";
      expect(plain(last(admin).text)).toContain(
        plain(await text(language, "front_office.appointed", { who: "Үйлестіруші", region })),
      );
      expect(await coordinatorRows()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ userId: byContact, regionCode: regionA, appointedBy: admin }),
        ]),
      );
      const youAppointed = plain(await text(language, "front_office.you_appointed", { region })).split("\n")[0]!;
      await delivered(byContact, youAppointed, seq);
      await notice(admin, language, "front_office.admin_appointed", { who: "Үйлестіруші", region }, seq);
    });

    it(`appoints by a forwarded message, explains a hidden sender (${language})`, async () => {
      await say(admin, "/appoint");
      await press(admin, `fo:ar:${regionA}`);
      const forward = (origin: Record<string, unknown>) =>
        h.send(() =>
          (emulator as any).userMessage(admin, { text: "сәлем", forward_origin: origin }, { text: "сәлем" }),
        );
      await forward({ type: "hidden_user", sender_user_name: "Кім", date: 1 });
      expect(last(admin).text).toBe(await text(language, "front_office.appoint_hidden"));
      await forward({ type: "user", sender_user: { id: hidden, is_bot: false, first_name: "Жоқ" }, date: 1 });
      expect(last(admin).text).toBe(await text(language, "front_office.appoint_not_user"));
      await say(admin, "/appoint");
      await press(admin, `fo:ar:${regionA}`);
      const seq = emulator.lastSeq();
      await forward({ type: "user", sender_user: { id: byForward, is_bot: false, first_name: "Қайта" }, date: 1 });
      // The admin's notice arrives before the next step reads the admin's last message.
      const regionAName = language === "kk" ? "Алматы" : "Шымкент";
      await notice(admin, language, "front_office.admin_appointed", { who: "Қайта", region: regionAName }, seq);
      expect((await coordinatorRows()).some((c) => c.userId === byForward && c.regionCode === regionA)).toBe(true);
      expect((await coordinatorRows()).some((c) => c.userId === hidden)).toBe(false);
    });

    it(`appoints by a one-time invite link f_<token> (${language})`, async () => {
      await say(admin, "/appoint");
      await press(admin, `fo:ar:${regionB}`);
      await press(admin, `fo:inv:${regionB}`);
      const link = /start=f_([A-Za-z0-9_-]+)/.exec(plain(last(admin).text))?.[1];
      expect(link).toBeDefined();
      const [invite] = await db().select().from(coordinatorInvites).where(eq(coordinatorInvites.token, link!));
      expect(invite!.regionCode).toBe(regionB);
      expect(invite!.expiresAt.getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

      const seq = emulator.lastSeq();
      await say(byInvite, `/start f_${link}`);
      expect(buttonData(last(byInvite))).toEqual([`fo:ja:${link}`, "fo:jn"]);
      await press(byInvite, `fo:ja:${link}`);
      const regionName = language === "kk" ? "Астана" : "область Абай";
      expect(plain(last(byInvite).text)).toContain(regionName);
      expect((await coordinatorRows()).some((c) => c.userId === byInvite && c.regionCode === regionB)).toBe(true);
      await notice(admin, language, "front_office.admin_appointed", { who: "Шақырылған", region: regionName }, seq);
      // One use only.
      await say(lateOpener, `/start f_${link}`);
      expect(last(lateOpener).text).toBe(await text(language, "front_office.invite_invalid"));
      await press(lateOpener, `fo:ja:${link}`, last(lateOpener).message_id);
      expect((await coordinatorRows()).some((c) => c.userId === lateOpener)).toBe(false);
    });

    it(`the coordinator sees their region's figures, charts and CSV (${language})`, async () => {
      await say(byContact, "/stats");
      const messages = botMessages(byContact);
      const statsText = messages.findLast((m) => m.text?.startsWith("📊"))!;
      const figures = (await regionFigures(db(), new Date(), regionA))[0]!;
      expect(figures).toEqual(seeded.almaty); // the DB's numbers are the inserted ones
      const shown = plain(statsText.text);
      expect(shown).toContain(plain(await text(language, "front_office.stats_volunteers", { n: 3 })));
      expect(shown).toContain(plain(await text(language, "front_office.stats_organizers", { n: 2 })));
      expect(shown).toContain(plain(await text(language, "front_office.stats_actions", { this: 1, last: 1 })));
      expect(shown).toContain(plain(await text(language, "front_office.stats_joins", { this: 2, last: 1 })));
      expect(shown).toContain(plain(await text(language, "front_office.stats_checkins", { this: 1, last: 0 })));
      expect(shown).toContain(plain(await text(language, "front_office.stats_hours", { hours: "7" })));
      const photos = messages.filter((m) => m.photo && m.message_id > statsText.message_id);
      expect(photos).toHaveLength(2);
      for (const photo of photos) {
        const { width, height } = pngSize(emulator.file(photo.photo!)!.data!);
        expect(width).toBeGreaterThanOrEqual(600);
        expect(width).toBeLessThanOrEqual(1600);
        expect(height).toBeGreaterThanOrEqual(200);
        expect(height).toBeLessThanOrEqual(1600);
      }
      // A second /stats at once is held back (rate limit).
      await say(byContact, "/stats");
      expect(last(byContact).text).toBe(await text(language, "privacy.one_moment"));

      await press(byContact, `fo:csv:${regionA}`, statsText.message_id);
      const csvMessage = botMessages(byContact).findLast((m) => m.document)!;
      const csv = csvMessage.document!.data!;
      expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const lines = csv.toString("utf8").slice(1).split("\r\n");
      expect(lines).toContain(`${await text(language, "front_office.csv_volunteers")};3`);
      expect(lines).toContain(`${await text(language, "front_office.csv_hours")};7`);
      expect(lines).toContain(`${await text(language, "categories.ecology")};3`);
      expect(lines).toContain(`${await text(language, "categories.social")};2,5`);
      expect(lines.some((l) => l.startsWith("Зелёная страна;3") || l.startsWith("Жасыл ел;3"))).toBe(true);
    });

    it(`the coordinator appointed by the invite sees their own region (${language})`, async () => {
      await say(byInvite, "/stats");
      const statsText = botMessages(byInvite).findLast((m) => m.text?.startsWith("📊"))!;
      const regionName = language === "kk" ? "Астана" : "область Абай";
      expect(plain(statsText.text)).toContain(regionName);
      expect(plain(statsText.text)).toContain(plain(await text(language, "front_office.stats_organizers", { n: 1 })));
      expect(botMessages(byInvite).filter((m) => m.photo)).toHaveLength(2);
    });

    if (language === "kk")
      it("an admin sees all 20 regions side by side, three charts, and may pick one region", async () => {
        await say(admin, "/stats");
        const messages = botMessages(admin);
        const statsText = messages.findLast((m) => m.text?.startsWith("📊"))!;
        const lines = plain(statsText.text).split("\n");
        const regionLines = lines.filter((l) => /: .* \d/.test(l) && lines.indexOf(l) > 10);
        expect(regionLines.length).toBeGreaterThanOrEqual(20);
        expect(lines).toContain(
          plain(
            await text("kk", "front_office.stats_region_line", {
              region: "Алматы",
              volunteers: 3,
              actions: 1,
              hours: "7",
            }),
          ),
        );
        const photos = messages.filter((m) => m.photo && m.message_id > statsText.message_id);
        expect(photos).toHaveLength(3);
        for (const photo of photos) pngSize(emulator.file(photo.photo!)!.data!);
        expect(buttonData(last(admin))).toContain("fo:st:astana");
      });

    it(`refuses volunteers, organizers and other regions; nothing changes (${language})`, async () => {
      const before = await coordinatorRows();
      // What the refusals could have enqueued: everything but the scheduler's own rows (a staff command menu, the
      // progress of an earlier test's announcement, reminders of the statistics fixture's actions, digests).
      const background = /^(menu|bcp|bcf|rem24|rem2|club|club-am|att-ask|digest|alertdigest):/;
      const messages = async () =>
        (await db().select({ key: outbox.idempotencyKey }).from(outbox))
          .map((r) => r.key)
          .filter((key) => !background.test(key))
          .sort();
      const outboxBefore = await messages();
      for (const [who, lang] of [
        [volunteer, language],
        [seeded.people.owner, "ru"],
      ] as const) {
        const text = (_: string, key: LocaleKey) => localized(lang, key);
        await say(who, "/appoint");
        expect(last(who).text).toBe(await text(language, "front_office.forbidden"));
        await say(who, "/coordinators");
        expect(last(who).text).toBe(await text(language, "front_office.forbidden"));
        await say(who, "/stats");
        expect(last(who).text).toBe(await text(language, "front_office.forbidden_staff"));
        await say(who, "/announce");
        expect(last(who).text).toBe(await text(language, "front_office.forbidden_staff"));
        for (const data of [`fo:rmy:${byContact}:${regionA}`, `fo:ar:${regionA}`, `fo:inv:${regionA}`]) {
          const update = await press(who, data);
          expect(toast(update)).toBe(await text(language, "front_office.forbidden"));
        }
        const update = await press(who, `fo:st:${regionA}`);
        expect(toast(update)).toBe(await text(language, "front_office.forbidden_staff"));
      }
      // A coordinator of region A forges region B's buttons.
      for (const data of [`fo:st:${regionB}`, `fo:csv:${regionB}`, "fo:st:all", `fo:an:${regionB}`]) {
        const update = await press(byContact, data);
        expect(toast(update)).toBe(await text(language, "front_office.forbidden_region"));
      }
      expect(await coordinatorRows()).toEqual(before);
      expect(await messages()).toEqual(outboxBefore);
    });

    it(`announces to the region's volunteers of the chosen interests, with progress and a report (${language})`, async () => {
      await say(byContact, "/announce");
      expect(buttonData(last(byContact))).toContain("foa:i:ecology");
      await press(byContact, "foa:i:ecology");
      await press(byContact, "foa:idone");
      await say(byContact, "Сенбі күні сенбілік <b>бар</b>!");
      const expected = (await db().select({ id: users.id }).from(users).where(eq(users.regionCode, regionA)))
        .map((u) => u.id)
        .filter((id) => ![social, blocked, noConsent].includes(id))
        .sort();
      expect(plain(last(byContact).text)).toContain(String(expected.length));
      const preview = last(byContact).message_id;
      await press(byContact, "foa:send");
      expect(emulator.messages(byContact).find((m) => m.message_id === preview)!.reply_markup).toBeUndefined();
      const row = await announcementOf(byContact);
      expect(row).toMatchObject({ organizationId: null, progressChatId: byContact, total: expected.length });
      // The progress message, with Stop, follows the preview (the coordinator's own copy of the announcement may
      // already have come after it); then the final report replaces it.
      expect(botMessages(byContact).find((m) => m.message_id > preview)!.message_id).toBe(row.progressMessageId);
      const progress = emulator.messages(byContact).find((m) => m.message_id === row.progressMessageId);
      expect(buttonData(progress)).toEqual([`bc:stop:${row.id}`]);
      const rows = await db()
        .select({ chatId: outbox.chatId, priority: outbox.priority })
        .from(outbox)
        .where(eq(outbox.batch, `bc:${row.id}`));
      expect(rows.map((r) => r.chatId).sort()).toEqual(expected);
      expect(new Set(rows.map((r) => r.priority))).toEqual(new Set([PRIORITY.normal]));
      const region = language === "kk" ? "Алматы" : "Шымкент";
      const got = await delivered(volunteer, "Сенбі күні сенбілік <b>бар</b>!", 0);
      expect(plain(String(got.params.text))).toBe(
        plain(await text(language, "front_office.announcement", { region, text: "Сенбі күні сенбілік <b>бар</b>!" })),
      );
      const title = plain(await text(language, "broadcasts.report_done", counts(0, 0))).split("\n")[0]!;
      await shows(byContact, row.progressMessageId!, title);
      const state = (await broadcastState(db(), row.id))!;
      expect(state).toMatchObject({ status: "done", counts: { total: expected.length, pending: 0 } });
      const report = emulator.messages(byContact).find((m) => m.message_id === row.progressMessageId)!;
      expect(plain(report.text)).toBe(plain(await text(language, "broadcasts.report_done", { ...state.counts })));
      expect(buttonData(report)).toEqual([]);
    });

    it(`shows progress; the coordinator stops an announcement, organizers and volunteers cannot (${language})`, async () => {
      const [awake, sleeper] = [base + 20, base + 21];
      await person(awake, language, "Сергек", regionA, ["health"]);
      await person(sleeper, language, "Ұйқы", regionA, ["health"]);
      await asleep(sleeper);
      await say(byContact, "/announce");
      await press(byContact, "foa:i:health");
      await press(byContact, "foa:idone");
      await say(byContact, "Қан тапсыру күні");
      await press(byContact, "foa:send");
      const row = await announcementOf(byContact);
      await delivered(awake, "Қан тапсыру күні", 0);
      await shows(byContact, row.progressMessageId!, plain(await text(language, "broadcasts.progress", counts(2, 1))));
      const progress = emulator.messages(byContact).find((m) => m.message_id === row.progressMessageId)!;
      expect(buttonData(progress)).toEqual([`bc:stop:${row.id}`]);

      // Forged presses with the real id: a volunteer, an organizer of the region (a Russian speaker), another
      // region's coordinator.
      for (const [who, lang] of [
        [volunteer, language],
        [seeded.people.owner, "ru"],
        [byInvite, language],
      ] as const) {
        const refusal = await localized(lang, "broadcasts.forbidden_announcement");
        expect(toast(await press(who, `bc:stop:${row.id}`))).toBe(refusal);
      }
      expect(await announcementOf(byContact)).toMatchObject({ status: "sending" });

      expect(toast(await pressOn(byContact, row.progressMessageId!, `bc:stop:${row.id}`))).toBe(
        await text(language, "broadcasts.stopped_toast"),
      );
      await shows(
        byContact,
        row.progressMessageId!,
        plain(await text(language, "broadcasts.report_stopped", { ...counts(2, 1), stopped: 1 })),
      );
      expect(emulator.botMessages(sleeper).filter((m) => plain(m.text).includes("Қан тапсыру күні"))).toHaveLength(0);
      expect(toast(await pressOn(byContact, row.progressMessageId!, `bc:stop:${row.id}`))).toBe(
        await text(language, "broadcasts.already_finished"),
      );
    });

    it(`removes a coordinator from /coordinators; both hear of it (${language})`, async () => {
      await say(admin, "/coordinators");
      expect(buttonData(last(admin))).toContain(`fo:rm:${byForward}:${regionA}`);
      await press(admin, `fo:rm:${byForward}:${regionA}`);
      expect(buttonData(last(admin))).toEqual([`fo:rmy:${byForward}:${regionA}`, "fo:list"]);
      const seq = emulator.lastSeq();
      await press(admin, `fo:rmy:${byForward}:${regionA}`);
      expect((await coordinatorRows()).some((c) => c.userId === byForward)).toBe(false);
      const region = language === "kk" ? "Алматы" : "Шымкент";
      await delivered(byForward, plain(await text(language, "front_office.you_removed", { region })), seq);
      await notice(admin, language, "front_office.admin_removed", { who: "Қайта", region }, seq);
      // Pressed again: already gone.
      const update = await press(admin, `fo:rmy:${byForward}:${regionA}`);
      expect(toast(update)).toBe(await text(language, "front_office.remove_gone"));
    });
  }
});

function counts(total: number, sent: number) {
  return { total, sent, pending: total - sent, blocked: 0, failed: 0, stopped: 0 };
}
