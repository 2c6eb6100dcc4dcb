import { and, eq, like } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import {
  calloutAnswers,
  callouts,
  coordinators,
  emergencyProfiles,
  organizationMembers,
  organizations,
  outbox,
} from "../../src/db/schema";
import { launchCallout, setTallyMessage } from "../../src/domain/callouts";
import { toggleEmergencySkill } from "../../src/domain/emergency";
import { removeCoordinator } from "../../src/domain/front-office";
import { setQuietHours } from "../../src/domain/preferences";
import { localMinuteOfDay } from "../../src/core/time";
import { buttonData, buttons, chatWith, localized, plain } from "../support/chat";
import { testDatabases } from "../support/db";
import type { ApiCall, BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";
import { onboardUser } from "../support/users";

const ALMATY = { latitude: 43.2389, longitude: 76.8897 };

describe.each(testDatabases)("emergency call-outs: readiness, /callout, answers, tally, close on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  const admin = 8_900_000_001;
  useBot(kind, { env: { ADMIN_IDS: String(admin) } }, (live) => ({ database, emulator, h } = live));
  const { last, say, press, pressOn, toast } = chatWith(() => h);
  const db = () => database.db;

  /** Quiet hours around the current moment: a normal message would wait until they end. */
  async function quietNow(id: number) {
    const minute = localMinuteOfDay(new Date());
    await setQuietHours(db(), id, { startMinute: (minute + 1380) % 1440, endMinute: (minute + 120) % 1440 });
  }
  function delivered(chatId: number, method: string, contains: string, afterSeq = 0): Promise<ApiCall> {
    return emulator.waitForCall(
      (c) =>
        c.method === method && Number(c.params.chat_id) === chatId && plain(String(c.params.text)).includes(contains),
      { timeoutMs: 10_000, afterSeq },
    );
  }

  beforeAll(async () => {
    await onboardUser(db(), emulator, admin, { language: "ru", firstName: "Админ" });
  });

  for (const language of ["kk", "ru"] as const) {
    const base = language === "kk" ? 8_900_001_000 : 8_900_002_000;
    const coordinator = base + 1;
    const ready = base + 2; // first aid, Almaty: gets the call-out
    const driver = base + 3; // only a driver: not matching
    const far = base + 4; // first aid in Astana: not matching
    const organizer = base + 5;
    const plainVolunteer = base + 6;
    const farCoordinator = base + 7;
    const late = base + 8; // first aid, Almaty, answers after the close
    const home = language === "kk" ? "almaty" : "karaganda"; // each language's call-out reaches its own people
    let calloutId = 0;
    let tallyMessageId = 0;
    const tr = (key: Parameters<typeof localized>[1], params?: Record<string, unknown>) =>
      localized(language, key, params);

    it(`declares emergency skills and shares the own phone in the settings (${language})`, async () => {
      await onboardUser(db(), emulator, coordinator, { language, regionCode: home, firstName: "Үйлестіруші" });
      await onboardUser(db(), emulator, ready, { language, regionCode: home, firstName: "Дана" });
      await onboardUser(db(), emulator, driver, { language, regionCode: home, firstName: "Жүргізуші" });
      await onboardUser(db(), emulator, far, { language, firstName: "Алыс", regionCode: "astana" });
      await onboardUser(db(), emulator, organizer, { language, regionCode: home, firstName: "Ұйым" });
      await onboardUser(db(), emulator, plainVolunteer, { language, regionCode: home, firstName: "Қарапайым" });
      await onboardUser(db(), emulator, farCoordinator, { language, firstName: "Астана", regionCode: "astana" });
      await onboardUser(db(), emulator, late, { language, regionCode: home, firstName: "Кеш" });
      await db()
        .insert(coordinators)
        .values([
          { userId: coordinator, regionCode: home },
          { userId: farCoordinator, regionCode: "astana" },
        ]);
      const [org] = await db()
        .insert(organizations)
        .values({ status: "approved", nameKk: `Ұйым ${language}`, regionCode: home, ownerId: organizer })
        .returning();
      await db().insert(organizationMembers).values({ organizationId: org!.id, userId: organizer, role: "owner" });
      for (const id of [ready, driver, far, late]) await quietNow(id);

      await say(ready, "/settings");
      expect(buttonData(last(ready))).toContain("em:open");
      await press(ready, "em:open");
      expect(plain(last(ready).text)).toContain(
        plain(await tr("callouts.profile_title", { skills: "", group: "", status: "", phone: "" })).split("\n")[0]!,
      );
      await press(ready, "em:sk");
      await press(ready, "em:s:first_aid");
      expect(buttons(last(ready)).find((b) => b.callback_data === "em:s:first_aid")!.text).toMatch(/^✅ /);
      await press(ready, "em:s:bogus"); // a forged skill changes nothing
      await press(ready, "em:open");
      expect(plain(last(ready).text)).toContain(await tr("callouts.skill_first_aid"));

      await press(ready, "em:ph");
      expect(last(ready).text).toBe(await tr("callouts.phone_prompt"));
      await h.send(() =>
        emulator.sendContact(ready, { phone_number: "+7 701 000 00 01", first_name: "Other", user_id: driver }),
      );
      expect(last(ready).text).toBe(await tr("callouts.phone_not_own"));
      await h.send(() =>
        emulator.sendContact(ready, { phone_number: "+7 701 555 12 34", first_name: "Дана", user_id: ready }),
      );
      const [profile] = await db().select().from(emergencyProfiles).where(eq(emergencyProfiles.userId, ready));
      expect(profile).toMatchObject({ skills: ["first_aid"], phone: "+77015551234", pausedAt: null });

      await press(ready, "em:pause");
      expect(
        (await db().select().from(emergencyProfiles).where(eq(emergencyProfiles.userId, ready)))[0]!.pausedAt,
      ).not.toBeNull();
      expect(buttonData(last(ready))).toContain("em:pause");
      await press(ready, "em:pause");
      expect(
        (await db().select().from(emergencyProfiles).where(eq(emergencyProfiles.userId, ready)))[0]!.pausedAt,
      ).toBeNull();

      await toggleEmergencySkill(db(), driver, "driver");
      await toggleEmergencySkill(db(), far, "first_aid");
      await toggleEmergencySkill(db(), late, "first_aid");
    });

    it(`volunteers and organizers cannot /callout (${language})`, async () => {
      for (const id of [plainVolunteer, organizer]) {
        await say(id, "/callout");
        expect(last(id).text).toBe(await tr("callouts.not_allowed"));
      }
      expect(await db().select().from(callouts).where(eq(callouts.createdBy, organizer))).toEqual([]);
    });

    it(`launches a call-out: matching volunteers get it as urgent during quiet hours (${language})`, async () => {
      await say(coordinator, "/callout");
      // A coordinator is offered their own region only.
      expect(buttonData(last(coordinator))).toEqual([`col:r:${home}`, "col:rad"]);
      await press(coordinator, "col:r:astana"); // forged: not theirs
      await press(coordinator, `col:r:${home}`);
      await press(coordinator, "col:sdone"); // nothing chosen yet: a hint
      await press(coordinator, "col:s:first_aid");
      await press(coordinator, "col:sdone");
      expect(last(coordinator).text).toBe(await tr("callouts.needed_prompt", { max: 10_000 }));
      await say(coordinator, "много");
      expect(last(coordinator).text).toBe(await tr("callouts.needed_hint", { max: 10_000 }));
      await say(coordinator, "2");
      await say(coordinator, "here");
      expect(last(coordinator).text).toBe(await tr("callouts.meeting_hint"));
      await h.send(() => emulator.sendLocation(coordinator, ALMATY.latitude, ALMATY.longitude));
      await say(coordinator, "25:99");
      expect(last(coordinator).text).toBe(await tr("callouts.time_hint"));
      await say(coordinator, language === "kk" ? "ертең 09:00" : "завтра 09:00");
      await say(coordinator, `Су тасқыны <${language}>: құм қаптар керек`);
      expect(plain(last(coordinator).text)).toContain(
        plain(await tr("callouts.preview", { area: "", skills: "", needed: 2, meet: "", text: "", count: 2 }))
          .split("\n")
          .at(-1)!,
      );
      const seq = emulator.lastSeq();
      await press(coordinator, "col:go");
      const [row] = await db().select().from(callouts).where(eq(callouts.createdBy, coordinator));
      calloutId = row!.id;
      expect(row).toMatchObject({ regionCode: home, skills: ["first_aid"], needed: 2, status: "open" });
      tallyMessageId = last(coordinator).message_id;
      expect(row!.tallyMessageId).toBe(tallyMessageId);
      expect(buttonData(last(coordinator))).toEqual([
        `co:upd:${calloutId}`,
        `co:close:${calloutId}`,
        `co:tally:${calloutId}`,
      ]);

      const got = await delivered(ready, "sendMessage", `Су тасқыны <${language}>`, seq);
      expect(buttons({ reply_markup: got.params.reply_markup }).map((b) => b.callback_data ?? b.url)).toEqual([
        `co:yes:${calloutId}`,
        `co:no:${calloutId}`,
        `https://2gis.kz/geo/${ALMATY.longitude.toFixed(6)},${ALMATY.latitude.toFixed(6)}`,
      ]);
      await delivered(late, "sendMessage", `Су тасқыны <${language}>`, seq);
      const rows = await db()
        .select()
        .from(outbox)
        .where(eq(outbox.batch, `co:${calloutId}`));
      expect(rows.map((r) => r.chatId).sort()).toEqual([ready, late].sort());
      expect(rows.every((r) => r.priority === 0)).toBe(true);
    });

    it(`counts answers once and edits the tally; others cannot manage it (${language})`, async () => {
      const seq = emulator.lastSeq();
      const message = last(ready).message_id;
      const first = await pressOn(ready, message, `co:yes:${calloutId}`);
      expect(toast(first)).toBe(await tr("callouts.answer_coming"));
      const again = await pressOn(ready, message, `co:yes:${calloutId}`);
      expect(toast(again)).toBe(await tr("callouts.answer_unchanged"));
      // A volunteer it was not sent to cannot answer it.
      await say(driver, "/menu");
      const forged = await press(driver, `co:yes:${calloutId}`);
      expect(toast(forged)).toBe(await tr("common.stale_button"));
      expect(await db().select().from(calloutAnswers).where(eq(calloutAnswers.calloutId, calloutId))).toHaveLength(1);

      const edit = await emulator.waitForCall(
        (c) =>
          c.method === "editMessageText" &&
          Number(c.params.chat_id) === coordinator &&
          Number(c.params.message_id) === tallyMessageId &&
          plain(String(c.params.text)).includes("+77015551234"),
        { timeoutMs: 10_000, afterSeq: seq },
      );
      expect(plain(String(edit.params.text))).toContain("Дана");

      // Volunteers, organizers and another region's coordinator: refused, nothing changes.
      for (const id of [plainVolunteer, organizer, farCoordinator]) {
        await say(id, "/menu");
        for (const data of [`co:close:${calloutId}`, `co:upd:${calloutId}`, `co:tally:${calloutId}`]) {
          const refused = await press(id, data);
          expect(toast(refused)).toBe(await tr("callouts.refused"));
        }
      }
      const [still] = await db().select().from(callouts).where(eq(callouts.id, calloutId));
      expect(still!.status).toBe("open");
    });

    it(`sends an update to those coming, closes with the final plan, tells a late responder it is covered (${language})`, async () => {
      let seq = emulator.lastSeq();
      await pressOn(coordinator, tallyMessageId, `co:upd:${calloutId}`);
      expect(last(coordinator).text).toBe(await tr("callouts.update_prompt", { max: 1500 }));
      await say(coordinator, "Қолғап алыңыз / возьмите перчатки");
      expect(last(coordinator).text).toBe(await tr("callouts.update_sent", { count: 1 }));
      await delivered(ready, "sendMessage", "возьмите перчатки", seq);

      seq = emulator.lastSeq();
      await pressOn(coordinator, tallyMessageId, `co:close:${calloutId}`);
      await say(coordinator, "Сбор у моста в 9:00");
      expect(last(coordinator).text).toBe(await tr("callouts.closed_done", { count: 1 }));
      await delivered(ready, "sendMessage", "Сбор у моста в 9:00", seq);
      await emulator.waitForCall(
        (c) =>
          c.method === "editMessageText" &&
          Number(c.params.message_id) === tallyMessageId &&
          buttonData({ reply_markup: c.params.reply_markup }).join() === `co:tally:${calloutId}`,
        { timeoutMs: 10_000, afterSeq: seq },
      );
      const covered = await press(late, `co:yes:${calloutId}`);
      expect(toast(covered)).toBe(await tr("callouts.covered"));
      const closeAgain = await pressOn(coordinator, tallyMessageId, `co:close:${calloutId}`);
      expect(toast(closeAgain)).toBe(await tr("callouts.already_closed"));
      const answers = await db()
        .select()
        .from(calloutAnswers)
        .where(and(eq(calloutAnswers.calloutId, calloutId)));
      expect(answers.map((a) => [a.userId, a.answer])).toEqual([[ready, "coming"]]);
      expect(
        await db()
          .select()
          .from(outbox)
          .where(like(outbox.idempotencyKey, `cof:${calloutId}:%`)),
      ).toHaveLength(1);
    });

    it(`a coordinator who loses the region loses the tally and the buttons; the call-out stays open for an admin (${language})`, async () => {
      const { callout } = await launchCallout(
        db(),
        {
          regionCode: home,
          skills: ["first_aid"],
          needed: 1,
          meeting: ALMATY,
          meetAt: new Date(Date.now() + 86_400_000),
          text: `Екінші шақыру ${language}`,
        },
        coordinator,
      );
      const alert = await delivered(ready, "sendMessage", `Екінші шақыру ${language}`);
      await say(coordinator, "/menu");
      await press(coordinator, `co:tally:${callout.id}`); // the tally, shown on the pressed message
      const tally = last(coordinator).message_id;
      expect(buttonData(last(coordinator))).toEqual([
        `co:upd:${callout.id}`,
        `co:close:${callout.id}`,
        `co:tally:${callout.id}`,
      ]);
      await setTallyMessage(db(), callout.id, coordinator, tally);

      const seq = emulator.lastSeq();
      const admins = new Set([admin]);
      expect(
        await removeCoordinator(db(), { adminId: admin, adminIds: admins, userId: coordinator, regionCode: home }),
      ).toBe(true);
      // The tally is replaced at once by one line, without figures, names or buttons.
      const left = await emulator.waitForCall(
        (c) =>
          c.method === "editMessageText" &&
          Number(c.params.chat_id) === coordinator &&
          Number(c.params.message_id) === tally,
        { timeoutMs: 10_000, afterSeq: seq },
      );
      expect(plain(String(left.params.text))).toBe(plain(await tr("callouts.tally_left", { id: callout.id })));
      expect(buttonData({ reply_markup: left.params.reply_markup })).toEqual([]);
      // Answers are still counted.
      const answer = await pressOn(ready, (alert.result as { message_id: number }).message_id, `co:yes:${callout.id}`);
      expect(toast(answer)).toBe(await tr("callouts.answer_coming"));
      // The former coordinator's buttons (forged or old) are refused.
      for (const data of [`co:close:${callout.id}`, `co:upd:${callout.id}`, `co:tally:${callout.id}`]) {
        expect(toast(await pressOn(coordinator, tally, data))).toBe(await tr("callouts.refused"));
      }
      const [open] = await db().select().from(callouts).where(eq(callouts.id, callout.id));
      expect(open!.status).toBe("open");
      // An admin closes it: those coming get the final plan.
      await say(admin, "/menu");
      await press(admin, `co:close:${callout.id}`);
      expect(last(admin).text).toBe(await localized("ru", "callouts.close_prompt", { max: 1500 }));
      await say(admin, "Отбой, спасибо");
      expect(last(admin).text).toBe(await localized("ru", "callouts.closed_done", { count: 1 }));
      await delivered(ready, "sendMessage", "Отбой, спасибо", seq);
    });
  }

  it("an admin picks any region or a radius around a point; cancelling at the preview launches nothing", async () => {
    const before = (await db().select().from(callouts)).length;
    await say(admin, "/callout");
    expect(buttonData(last(admin))).toHaveLength(21); // 20 regions and the radius
    await press(admin, "col:rad");
    await h.send(() => emulator.sendLocation(admin, ALMATY.latitude, ALMATY.longitude));
    expect(buttonData(last(admin))).toEqual(["col:km:5", "col:km:10", "col:km:25", "col:km:50"]);
    await say(admin, "9999");
    expect(last(admin).text).toBe(await localized("ru", "callouts.radius_hint", { max: 500 }));
    await say(admin, "15");
    await press(admin, "col:any");
    await say(admin, "3");
    await h.send(() => emulator.sendLocation(admin, ALMATY.latitude, ALMATY.longitude));
    await press(admin, "col:h:2");
    await say(admin, "Іздеу / поиск");
    expect(plain(last(admin).text)).toContain(await localized("ru", "callouts.area_radius", { km: 15 }));
    expect(buttonData(last(admin))).toEqual(["col:go", "col:no"]);
    await press(admin, "col:no");
    expect(last(admin).text).toBe(await localized("ru", "callouts.cancelled"));
    expect(await db().select().from(callouts)).toHaveLength(before);
  });
});
