import { and, eq, ne } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import {
  actions,
  coordinators,
  hourEntries,
  linkedChats,
  organizationMembers,
  organizations,
  outbox,
  participations,
  users,
} from "../../src/db/schema";
import { setQuietHours } from "../../src/domain/preferences";
import { applyForOrganization, inviteToken } from "../../src/domain/organizations";
import type { LocaleKey } from "../../src/i18n";
import { buttonData, chatWith, localized, plain } from "../support/chat";
import { testDatabases } from "../support/db";
import type { ApiCall, BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";
import { onboardUser } from "../support/users";

const VALID_BIN = "050140001238";
const ORG_KK = 'Жасыл <Ел> & "Co"';
const ORG_RU = "Зелёная страна";
const DAY = 86_400_000;

describe.each(testDatabases)("organizers: applying, deciding, /org and invites on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  const admin = 8_300_000_001;
  const otherOwner = 8_300_000_002; // owner of another, approved organization
  let otherOrg = 0;

  const bot = useBot(kind, { env: { ADMIN_IDS: String(admin) } }, (live) => ({ database, emulator, h } = live));
  const { last, say, press, pressOn, toast } = chatWith(() => h);
  const db = () => database.db;

  async function person(id: number, language: "kk" | "ru", firstName: string, regionCode = "almaty") {
    await onboardUser(db(), emulator, id, { language, firstName, regionCode });
    await setQuietHours(db(), id, { startMinute: 0, endMinute: 0 });
  }
  const text = (language: "kk" | "ru", key: LocaleKey, params?: Record<string, unknown>) =>
    localized(language, key, params);
  const plainText = async (language: "kk" | "ru", key: LocaleKey, params?: Record<string, unknown>) =>
    plain(await text(language, key, params));

  /** Waits for the dispatcher's message to `chatId` whose text contains `contains`. */
  function delivered(chatId: number, contains: string, afterSeq: number): Promise<ApiCall> {
    return emulator.waitForCall(
      (c) =>
        c.method === "sendMessage" &&
        Number(c.params.chat_id) === chatId &&
        plain(String(c.params.text)).includes(contains),
      { timeoutMs: 10_000, afterSeq },
    );
  }
  const messageOf = (call: ApiCall) => (call.result as { message_id: number }).message_id;
  const dataOf = (call: ApiCall) =>
    ((call.params.reply_markup as any)?.inline_keyboard ?? []).flat().map((b: any) => b.callback_data);
  const orgRow = async (id: number) => (await db().select().from(organizations).where(eq(organizations.id, id)))[0]!;
  const membersOf = (id: number) =>
    db().select().from(organizationMembers).where(eq(organizationMembers.organizationId, id));

  beforeAll(async () => {
    await person(admin, "ru", "Админ");
    await person(otherOwner, "kk", "Басқа");
    const [org] = await db()
      .insert(organizations)
      .values({ status: "approved", nameKk: "Басқа ұйым", regionCode: "almaty", ownerId: otherOwner })
      .returning();
    otherOrg = org!.id;
    await db().insert(organizationMembers).values({ organizationId: otherOrg, userId: otherOwner, role: "owner" });
  });

  for (const language of ["kk", "ru"] as const) {
    const base = language === "kk" ? 8_300_001_000 : 8_300_002_000;
    const applicant = base + 1;
    const coordinator = base + 2;
    const farCoordinator = base + 3; // coordinates another region
    const volunteer = base + 4;
    const invitee = base + 5;
    const rejected = base + 6;
    const coordinator2 = base + 7; // a second coordinator of the same region
    let orgId = 0;
    let noticeToCoordinator = 0;
    let noticeToAdmin = 0;

    it(`applies with /organize, with hints for bad input on the way (${language})`, async () => {
      await person(applicant, language, "Айгерім");
      await person(coordinator, language, "Үйлестіруші");
      await person(coordinator2, language, "Екінші");
      await person(farCoordinator, language, "Алыс", "astana");
      await person(volunteer, language, "Ерікті");
      await db()
        .insert(coordinators)
        .values([
          { userId: coordinator, regionCode: "almaty" },
          { userId: coordinator2, regionCode: "almaty" },
          { userId: farCoordinator, regionCode: "astana" },
        ]);

      await say(applicant, "/organize");
      const first = language === "kk" ? "kk" : "ru";
      const second = first === "kk" ? "ru" : "kk";
      expect(plain(last(applicant).text)).toBe(
        await plainText(language, `organizer.apply_name_${first}`, { max: 120 }),
      );
      expect(buttonData(last(applicant))).toEqual(["oap:switch"]);
      await say(applicant, "   \u200b ");
      expect(last(applicant).text).toBe(await text(language, "organizer.apply_name_hint", { max: 120 }));
      await say(applicant, "x".repeat(121));
      expect(last(applicant).text).toBe(await text(language, "organizer.apply_name_hint", { max: 120 }));
      await say(applicant, first === "kk" ? ORG_KK : ORG_RU);
      expect(plain(last(applicant).text)).toBe(await plainText(language, `organizer.apply_other_${second}`));
      await say(applicant, second === "kk" ? ORG_KK : ORG_RU);
      expect(last(applicant).text).toBe(await text(language, "organizer.apply_kind_prompt"));
      expect(buttonData(last(applicant))).toContain("oap:k:ngo");
      await press(applicant, "oap:k:ngo");

      expect(last(applicant).text).toBe(await text(language, "organizer.apply_region_prompt"));
      expect(buttonData(last(applicant))[0]).toBe("oap:r:almaty"); // the user's region first
      await press(applicant, "oap:r:nowhere");
      expect(last(applicant).text).toBe(await text(language, "organizer.apply_region_prompt"));
      await press(applicant, "oap:r:almaty");

      expect(last(applicant).text).toBe(await text(language, "organizer.apply_phone_prompt"));
      expect(last(applicant).reply_markup).toBeUndefined; // a reply keyboard is not part of the stored message
      await say(applicant, "+7 701 123 45 67");
      expect(last(applicant).text).toBe(await text(language, "organizer.apply_phone_hint"));
      await h.send(() =>
        emulator.sendContact(applicant, { phone_number: "77019998877", first_name: "Біреу", user_id: volunteer }),
      );
      expect(last(applicant).text).toBe(await text(language, "organizer.apply_phone_not_yours"));
      await h.send(() => emulator.sendContact(applicant, { phone_number: "77019998877", first_name: "Біреу" }));
      expect(last(applicant).text).toBe(await text(language, "organizer.apply_phone_not_yours"));
      await h.send(() =>
        emulator.sendContact(applicant, { phone_number: "77011234567", first_name: "Айгерім", user_id: applicant }),
      );
      expect(last(applicant).text).toBe(await text(language, "organizer.apply_description_prompt", { max: 500 }));
      await say(applicant, " ");
      expect(last(applicant).text).toBe(await text(language, "organizer.apply_description_hint", { max: 500 }));
      await say(applicant, "Саябақтарды тазалаймыз <әр> сенбі");

      expect(last(applicant).text).toBe(await text(language, "organizer.apply_bin_prompt"));
      for (const bad of ["123", "123456789012", "abcdefghijkl"]) {
        await say(applicant, bad);
        expect(last(applicant).text, bad).toBe(await text(language, "organizer.apply_bin_hint"));
      }
      await say(applicant, VALID_BIN);

      // The summary, an edit of the type, then Submit
      expect(plain(last(applicant).text)).toContain(ORG_KK);
      expect(plain(last(applicant).text)).toContain("+77011234567");
      expect(buttonData(last(applicant))).toEqual(["oap:send", "oap:edit", "oap:stop"]);
      await press(applicant, "oap:edit");
      await press(applicant, "oap:f:kind");
      await press(applicant, "oap:k:university");
      expect(plain(last(applicant).text)).toContain(await plainText(language, "organizer.kind_university"));
      const seq = emulator.lastSeq();
      await press(applicant, "oap:send");
      expect(last(applicant).text).toBe(await text(language, "organizer.apply_sent"));

      const [row] = await db().select().from(organizations).where(eq(organizations.ownerId, applicant));
      expect(row).toMatchObject({
        status: "pending",
        nameKk: ORG_KK,
        nameRu: ORG_RU,
        kind: "university",
        regionCode: "almaty",
        phone: "+77011234567",
        bin: VALID_BIN,
        description: "Саябақтарды тазалаймыз <әр> сенбі",
      });
      orgId = row!.id;

      // The region's coordinators and the admin get the notice with Approve / Reject; the far coordinator does not
      const name = language === "kk" ? ORG_KK : ORG_RU;
      const toCoordinator = await delivered(coordinator, `${ORG_KK} / ${ORG_RU}`, seq);
      expect(dataOf(toCoordinator)).toEqual([`og:ok:${orgId}`, `og:no:${orgId}`]);
      expect(plain(String(toCoordinator.params.text))).toContain("+77011234567");
      noticeToCoordinator = messageOf(toCoordinator);
      noticeToAdmin = messageOf(await delivered(admin, `${ORG_KK} / ${ORG_RU}`, seq));
      await delivered(coordinator2, ORG_RU, seq);
      // No message (a staff command menu may be set meanwhile by the 20-second job).
      const far = await db()
        .select()
        .from(outbox)
        .where(and(eq(outbox.chatId, farCoordinator), ne(outbox.kind, "commands")));
      expect(far).toEqual([]);
      expect(name).toBeTruthy();
    });

    it(`refuses a second application and tells a pending applicant on /org (${language})`, async () => {
      await say(applicant, "/organize");
      expect(last(applicant).text).toBe(
        await text(language, "organizer.already_pending", { name: language === "kk" ? ORG_KK : ORG_RU }),
      );
      await say(applicant, "/org");
      expect(last(applicant).text).toContain(await text(language, "organizer.not_organizer"));
      expect(last(applicant).text).toContain(
        await text(language, "organizer.not_organizer_pending", { name: language === "kk" ? ORG_KK : ORG_RU }),
      );
      // The domain refuses too (the unique index stands behind it)
      await expect(
        applyForOrganization(
          db(),
          { ownerId: applicant, nameRu: "Другая", kind: "ngo", regionCode: "almaty", phone: "+7", description: "x" },
          new Set(),
        ),
      ).rejects.toThrow("already_pending");
    });

    it(`refuses Approve / Reject from a volunteer, another organization's owner and another region's coordinator (${language})`, async () => {
      const forbidden = await text(language, "organizer.forbidden");
      const forbiddenKk = await text("kk", "organizer.forbidden");
      await say(volunteer, "/org");
      for (const data of [`og:ok:${orgId}`, `og:no:${orgId}`]) {
        expect(toast(await press(volunteer, data)), data).toBe(forbidden);
        await say(farCoordinator, "/org");
        expect(toast(await press(farCoordinator, data)), data).toBe(forbidden);
        await say(otherOwner, "/org");
        expect(toast(await press(otherOwner, data)), data).toBe(forbiddenKk);
      }
      const row = await orgRow(orgId);
      expect(row.status).toBe("pending");
      expect(row.decidedBy).toBeNull();
      expect(await membersOf(orgId)).toEqual([]);
      // The other organization's owner cannot open this one's screen or members either
      expect(toast(await press(otherOwner, `org:h:${orgId}`))).toBe(forbiddenKk);
      expect(toast(await press(otherOwner, `om:list:${orgId}`))).toBe(forbiddenKk);
      expect(toast(await press(volunteer, `org:h:${otherOrg}`))).toBe(forbidden);
    });

    it(`approves once: a second decision changes nothing and says who decided (${language})`, async () => {
      const seq = emulator.lastSeq();
      await pressOn(coordinator, noticeToCoordinator, `og:ok:${orgId}`);
      const name = language === "kk" ? ORG_KK : ORG_RU;
      expect(last(coordinator).text).toBe(await text(language, "organizer.decided_approved", { name }));
      expect(buttonData(emulator.message(coordinator, noticeToCoordinator))).toEqual([]);
      const row = await orgRow(orgId);
      expect(row).toMatchObject({ status: "approved", decidedBy: coordinator });
      expect(row.verifiedAt).toBeInstanceOf(Date);
      expect((await membersOf(orgId)).map((m) => [m.userId, m.role])).toEqual([[applicant, "owner"]]);
      const [owner] = await db().select().from(users).where(eq(users.id, applicant));
      expect(owner!.role).toBe("organizer");

      // The admin presses Approve on their own copy afterwards; then Reject
      await pressOn(admin, noticeToAdmin, `og:ok:${orgId}`);
      expect(last(admin).text).toBe(
        await text("ru", "organizer.already_approved_by", { name: ORG_RU, who: "Үйлестіруші" }),
      );
      await pressOn(coordinator, noticeToCoordinator, `og:no:${orgId}`);
      expect(last(coordinator).text).toBe(
        await text(language, "organizer.already_approved_by", { name, who: "Үйлестіруші" }),
      );
      expect(await orgRow(orgId)).toMatchObject({ status: "approved", decidedBy: coordinator, rejectReason: null });
      expect(await membersOf(orgId)).toHaveLength(1);

      // The applicant is told in their language, with a button to the organizer's screen
      const told = await delivered(applicant, plain(await text(language, "organizer.notify_approved", { name })), seq);
      expect(dataOf(told)).toEqual([`org:h:${orgId}`]);
      await pressOn(applicant, messageOf(told), `org:h:${orgId}`);
      expect(last(applicant).text).toContain(await text(language, "organizer.hub_title", { name }));
    });

    it(`shows the hub on /org with the figures (${language})`, async () => {
      const now = Date.now();
      const [soon] = await db()
        .insert(actions)
        .values({
          organizationId: orgId,
          titleKk: "Сенбілік",
          titleRu: "Субботник",
          category: "ecology",
          regionCode: "almaty",
          latitude: 43.2,
          longitude: 76.9,
          startsAt: new Date(now + 2 * DAY),
          endsAt: new Date(now + 2 * DAY + 3_600_000),
          capacity: 1,
          participantsCount: 1,
        })
        .returning();
      const [past] = await db()
        .insert(actions)
        .values({
          organizationId: orgId,
          titleRu: "Прошлая",
          category: "ecology",
          regionCode: "almaty",
          latitude: 43.2,
          longitude: 76.9,
          startsAt: new Date(now - 2 * DAY),
          endsAt: new Date(now - 2 * DAY + 3_600_000),
          capacity: null,
        })
        .returning();
      await db()
        .insert(participations)
        .values([
          { actionId: soon!.id, userId: volunteer, status: "joined" },
          { actionId: soon!.id, userId: coordinator, status: "waitlisted" },
        ]);
      await db()
        .insert(hourEntries)
        .values({
          userId: volunteer,
          source: "self",
          actionId: past!.id,
          activityDate: new Date(now - 2 * DAY).toISOString().slice(0, 10),
          hours: 2,
          status: "pending",
        });
      await db()
        .insert(linkedChats)
        .values({ chatId: -(base + 100), organizationId: orgId, kind: "channel", title: "Канал" });

      await say(applicant, "/org");
      const hub = plain(last(applicant).text);
      expect(hub).toContain(language === "kk" ? ORG_KK : ORG_RU);
      expect(hub).toContain(await plainText(language, "organizer.hub_actions", { upcoming: 1, past: 1 }));
      expect(hub).toContain(language === "kk" ? "Сенбілік: 1 / 1" : "Субботник: 1 / 1");
      expect(hub).toContain(await plainText(language, "organizer.hub_hours", { count: 1 }));
      expect(hub).toContain(await plainText(language, "organizer.hub_channels", { count: 1 }));
      expect(hub).toContain(await plainText(language, "organizer.hub_members", { count: 1 }));
      expect(buttonData(last(applicant))).toEqual([
        "oa:new",
        "oa:list",
        "ch:list",
        "bc:new",
        "hq:list",
        `om:list:${orgId}`,
      ]);
      // An organizer applying again is sent to /org
      await say(applicant, "/organize");
      expect(last(applicant).text).toBe(
        await text(language, "organizer.already_member", { name: language === "kk" ? ORG_KK : ORG_RU }),
      );
      await say(applicant, "/org");
      // ➕ New action starts writing one (test/e2e/authoring.test.ts goes on from here)
      await press(applicant, "oa:new");
      expect(last(applicant).text).toBe(await text(language, "authoring.ask_language"));
    });

    it(`invites an organizer with the o_ link, refuses others, and the owner removes them (${language})`, async () => {
      await person(invitee, language, "Жаңа");
      await say(applicant, "/org");
      await press(applicant, `om:list:${orgId}`);
      expect(buttonData(last(applicant))).toEqual([`om:inv:${orgId}`, `om:renew:${orgId}`, `org:h:${orgId}`]);
      await press(applicant, `om:inv:${orgId}`);
      const token = (await orgRow(orgId)).inviteToken!;
      expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(last(applicant).text).toContain(`https://t.me/${emulator.botInfo.username}?start=o_${token}`);

      // Not the owner: another organization's owner, a volunteer → refused, nothing changes
      const forbiddenKk = await text("kk", "organizer.forbidden");
      const forbidden = await text(language, "organizer.forbidden");
      for (const data of [`om:inv:${orgId}`, `om:renew:${orgId}`, `om:rm:${orgId}:${applicant}`]) {
        expect(toast(await press(otherOwner, data)), data).toBe(forbiddenKk);
        expect(toast(await press(volunteer, data)), data).toBe(forbidden);
      }
      expect((await orgRow(orgId)).inviteToken).toBe(token);

      // The invitee opens the link
      await say(invitee, `/start o_${token}`);
      const name = language === "kk" ? ORG_KK : ORG_RU;
      expect(last(invitee).text).toBe(await text(language, "organizer.invite_question", { name }));
      await press(invitee, `oj:y:${token}`);
      expect(last(invitee).text).toBe(await text(language, "organizer.invite_joined", { name }));
      expect((await membersOf(orgId)).map((m) => m.role).sort()).toEqual(["organizer", "owner"]);
      await say(invitee, "/org");
      expect(last(invitee).text).toContain(await text(language, "organizer.hub_title", { name }));
      // An organizer (not the owner) sees no invite or remove buttons and cannot press them
      await press(invitee, `om:list:${orgId}`);
      expect(buttonData(last(invitee))).toEqual([`org:h:${orgId}`]);
      expect(toast(await press(invitee, `om:inv:${orgId}`))).toBe(forbidden);
      expect(toast(await press(invitee, `om:rmy:${orgId}:${applicant}`))).toBe(forbidden);
      // Another organization's owner cannot remove them
      expect(toast(await press(otherOwner, `om:rmy:${orgId}:${invitee}`))).toBe(forbiddenKk);
      expect(await membersOf(orgId)).toHaveLength(2);

      // The owner removes the organizer (never themselves)
      await press(applicant, `om:list:${orgId}`);
      expect(buttonData(last(applicant))).toContain(`om:rm:${orgId}:${invitee}`);
      await press(applicant, `om:rm:${orgId}:${invitee}`);
      expect(buttonData(last(applicant))).toEqual([`om:rmy:${orgId}:${invitee}`, `om:list:${orgId}`]);
      const beforeRemoval = emulator.lastSeq();
      await press(applicant, `om:rmy:${orgId}:${invitee}`);
      expect((await membersOf(orgId)).map((m) => m.userId)).toEqual([applicant]);
      // The removal notice goes through the outbox: wait for it, so it cannot land after the next reply
      await delivered(invitee, await plainText(language, "organizer.notify_removed", { name }), beforeRemoval);
      expect((await db().select().from(users).where(eq(users.id, invitee)))[0]!.role).toBe("volunteer");
      expect(toast(await press(applicant, `om:rmy:${orgId}:${applicant}`))).toBe(
        await text(language, "organizer.owner_cannot_leave"),
      );

      // A new link revokes the old one
      await press(applicant, `om:list:${orgId}`);
      await press(applicant, `om:renew:${orgId}`);
      const renewed = (await orgRow(orgId)).inviteToken!;
      expect(renewed).not.toBe(token);
      await say(invitee, `/start o_${token}`);
      expect(last(invitee).text).toBe(await text(language, "organizer.invite_invalid"));
      await press(invitee, `oj:y:${token}`, last(invitee).message_id);
      expect(await membersOf(orgId)).toHaveLength(1);
    });

    it(`rejects with a reason; the applicant is told and may apply again (${language})`, async () => {
      await person(rejected, language, "Бас тартылған");
      const seq = emulator.lastSeq();
      const { id } = await applyForOrganization(
        db(),
        {
          ownerId: rejected,
          nameRu: "Фонд «Тест»",
          kind: "initiative",
          regionCode: "almaty",
          phone: "+77010000000",
          description: "Помощь",
        },
        new Set([admin]),
      );
      const notice = await delivered(coordinator2, "Фонд «Тест»", seq);
      await pressOn(coordinator2, messageOf(notice), `og:no:${id}`);
      expect(last(coordinator2).text).toBe(
        await text(language, "organizer.reject_reason_prompt", { name: "Фонд «Тест»", max: 300 }),
      );
      await say(coordinator2, "  ");
      expect(last(coordinator2).text).toBe(await text(language, "organizer.reject_reason_hint", { max: 300 }));
      // A volunteer's forged Reject changes nothing meanwhile
      expect(toast(await press(volunteer, `og:no:${id}`))).toBe(await text(language, "organizer.forbidden"));
      await say(coordinator2, "Нет <сайта> & телефона");
      expect(last(coordinator2).text).toBe(await text(language, "organizer.decided_rejected", { name: "Фонд «Тест»" }));
      expect(await orgRow(id)).toMatchObject({
        status: "rejected",
        decidedBy: coordinator2,
        rejectReason: "Нет <сайта> & телефона",
      });
      expect(await membersOf(id)).toEqual([]);
      const told = await delivered(rejected, "Нет <сайта> & телефона", seq);
      expect(plain(String(told.params.text))).toBe(
        plain(
          await text(language, "organizer.notify_rejected", { name: "Фонд «Тест»", reason: "Нет <сайта> & телефона" }),
        ),
      );
      // The admin's Approve after the rejection: already decided
      const adminNotice = await delivered(admin, "Фонд «Тест»", seq);
      await pressOn(admin, messageOf(adminNotice), `og:ok:${id}`);
      expect(last(admin).text).toBe(
        await text("ru", "organizer.already_rejected_by", { name: "Фонд «Тест»", who: "Екінші" }),
      );
      expect((await orgRow(id)).status).toBe("rejected");
      // Rejected is not pending: a new application may start
      await say(rejected, "/organize");
      expect(emulator.botMessages(rejected).at(-2)?.text).toBe(await text(language, "organizer.apply_intro"));
      await say(rejected, "/cancel");
    });
  }

  it("takes a newcomer through onboarding to the invitation, and lets a member of two organizations choose", async () => {
    const [kkOrg] = await db().select().from(organizations).where(eq(organizations.nameKk, ORG_KK));
    const token = await inviteToken(db(), kkOrg!.id, kkOrg!.ownerId!);
    const newcomer = 8_300_009_100;
    emulator.addUser({ id: newcomer, first_name: "Нұр", language_code: "kk" });
    await say(newcomer, `/start o_${token}`);
    await press(newcomer, "ob:r:almaty");
    await press(newcomer, "ob:idone");
    await press(newcomer, "ob:consent:yes");
    await say(newcomer, await text("kk", "onboarding.location_skip"));
    expect(buttonData(last(newcomer))[0]).toBe(`oj:open:${token}`);
    await press(newcomer, `oj:open:${token}`);
    expect(last(newcomer).text).toBe(await text("kk", "organizer.invite_question", { name: ORG_KK }));
    await press(newcomer, "oj:n");
    expect(last(newcomer).text).toBe(await text("kk", "organizer.invite_declined"));
    expect(await membersOf(kkOrg!.id)).toHaveLength(1);

    // The other organization's owner joins this one too: /org asks which one
    await say(otherOwner, `/start o_${token}`);
    await press(otherOwner, `oj:y:${token}`);
    await say(otherOwner, "/org");
    expect(last(otherOwner).text).toBe(await text("kk", "organizer.choose_org"));
    expect(buttonData(last(otherOwner))).toEqual([`org:h:${otherOrg}`, `org:h:${kkOrg!.id}`]);
    await press(otherOwner, `org:h:${kkOrg!.id}`);
    expect(last(otherOwner).text).toContain(await text("kk", "organizer.hub_title", { name: ORG_KK }));
    expect(buttonData(last(otherOwner))).toContain("org:pick");
  });

  it("keeps a half-filled application across a restart; another command leaves it and stores nothing", async () => {
    const id = 8_300_009_300;
    await person(id, "ru", "Рестарт");
    await say(id, "/organize");
    await say(id, "Фонд «Перезапуск»");
    h = await bot.restart();
    await say(id, "Қайта іске қосу қоры");
    expect(last(id).text).toBe(await text("ru", "organizer.apply_kind_prompt"));
    await press(id, "oap:k:school");
    await say(id, "/org"); // another command leaves it, saying what was dropped, and does what it says
    expect(emulator.botMessages(id).at(-2)!.text).toBe(await text("ru", "organizer.dropped_apply"));
    expect(last(id).text).toBe(await text("ru", "organizer.not_organizer"));
    expect(await db().select().from(organizations).where(eq(organizations.ownerId, id))).toEqual([]);
  });

  it("asks for consent before /organize", async () => {
    const withoutConsent = 8_300_009_200;
    await onboardUser(db(), emulator, withoutConsent, { language: "ru", consent: false });
    await say(withoutConsent, "/organize");
    expect(last(withoutConsent).text).toBe(await text("ru", "settings.consent_required"));
    expect(await db().select().from(organizations).where(eq(organizations.ownerId, withoutConsent))).toEqual([]);
  });

  it("a non-organizer gets how to apply on /org", async () => {
    const stranger = 8_300_009_001;
    await person(stranger, "ru", "Гость");
    await say(stranger, "/org");
    expect(last(stranger).text).toBe(await text("ru", "organizer.not_organizer"));
    const rows = await db()
      .select()
      .from(organizationMembers)
      .where(and(eq(organizationMembers.userId, stranger)));
    expect(rows).toEqual([]);
  });
});
