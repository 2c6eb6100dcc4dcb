import { and, asc, eq, like, ne } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { actions, marathons, organizationMembers, organizations, outbox, participations } from "../../src/db/schema";
import { findNearbyActions } from "../../src/domain/actions";
import { joinAction } from "../../src/domain/participation";
import { renderOutboxButton } from "../../src/bot/outbox-buttons";
import type { OutboxPayload } from "../../src/db/outbox";
import { render } from "../../src/delivery/render";
import { createI18n, type Locale, type LocaleKey } from "../../src/i18n";
import { buttonData, chatWith, localized, plain } from "../support/chat";
import { testDatabases } from "../support/db";
import type { BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";
import { onboardUser } from "../support/users";

const ALMATY = { latitude: 43.238, longitude: 76.9452 };

describe.each(testDatabases)("organizers author and manage actions on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  const bot = useBot(kind, { delivery: false }, (b) => ({ database, emulator } = b));
  // bot.h: the harness now running (a new one after the restart below).
  const h = { send: (push: Parameters<Harness["send"]>[0]) => bot.h.send(push) };
  const { last, say, press, toast } = chatWith(() => bot.h);

  // Organization A: a Kazakh-speaking owner and a Russian-speaking organizer; organization B: another owner.
  const ownerKk = 8_300_000_001;
  const memberRu = 8_300_000_002;
  const otherOwner = 8_300_000_003;
  const volKk = 8_300_000_011;
  const volRu = 8_300_000_012;
  const volunteer = 8_300_000_013;
  let orgA = 0;
  let orgB = 0;
  let marathonId = 0;
  const created: Record<Locale, number> = { kk: 0, ru: 0 };

  /** The last message the user got shows this localized text (compared as the user sees it). */
  async function expectSays(user: number, locale: Locale, key: LocaleKey, params?: Record<string, unknown>) {
    expect(plain(last(user).text)).toContain(plain(await localized(locale, key, params)));
  }

  beforeAll(async () => {
    const db = database.db;
    for (const [id, language] of [
      [ownerKk, "kk"],
      [memberRu, "ru"],
      [otherOwner, "ru"],
      [volKk, "kk"],
      [volRu, "ru"],
      [volunteer, "kk"],
    ] as const) {
      // Interests cover both categories created below: the first list is filtered by "My interests".
      await onboardUser(db, emulator, id, { language, location: ALMATY, interests: ["ecology", "animals"] });
    }
    const [a] = await db
      .insert(organizations)
      .values({
        status: "approved",
        nameKk: "Жасыл Ел",
        nameRu: "Зелёная страна",
        regionCode: "almaty",
        ownerId: ownerKk,
      })
      .returning();
    const [b] = await db
      .insert(organizations)
      .values({ status: "approved", nameRu: "Другая организация", regionCode: "almaty", ownerId: otherOwner })
      .returning();
    const [m] = await db
      .insert(marathons)
      .values({
        code: "good-deeds",
        titleKk: "Игі істер марафоны",
        titleRu: "Марафон добрых дел",
        startsAt: new Date(Date.now() - 86_400_000),
        endsAt: new Date(Date.now() + 30 * 86_400_000),
      })
      .returning();
    marathonId = m!.id;
    orgA = a!.id;
    orgB = b!.id;
    await db.insert(organizationMembers).values([
      { organizationId: orgA, userId: ownerKk, role: "owner" },
      { organizationId: orgA, userId: memberRu, role: "organizer" },
      { organizationId: orgB, userId: otherOwner, role: "owner" },
    ]);
  });

  it("a Kazakh organizer creates a bilingual action, with wrong answers explained on the way, and publishes it", async () => {
    const me = ownerKk;
    await say(me, "/newaction");
    await expectSays(me, "kk", "authoring.ask_language");
    // Typing instead of pressing is explained, the question stays.
    await say(me, "қазақша");
    await expectSays(me, "kk", "authoring.use_buttons");
    await press(me, "na:lang:kk", emulator.botMessages(me).at(-2)!.message_id);
    // A sticker is no title: the hint says what is wanted.
    await h.send(() => emulator.sendSticker(me));
    await expectSays(me, "kk", "authoring.text_hint", { max: 120 });
    await say(me, "Саябақты <тазалау> & көгалдандыру");
    await say(me, "Қоқыс жинаймыз, қолғап береміз.");
    await expectSays(me, "kk", "authoring.ask_category");
    await press(me, "na:cat:ecology");

    // The start: a day that does not exist, a past day, then tomorrow.
    await say(me, "31.02 10:00");
    await expectSays(me, "kk", "authoring.start_no_such_date");
    await say(me, "01.01.2020 10:00");
    await expectSays(me, "kk", "authoring.start_past");
    await say(me, "келесі жұма");
    await expectSays(me, "kk", "authoring.start_format");
    await say(me, "ертең 10:00");
    await say(me, "09:00");
    await expectSays(me, "kk", "authoring.end_before_start");
    await say(me, "3 сағ");

    // The place: a pin, then the address.
    await expectSays(me, "kk", "authoring.ask_place", { language: await localized("kk", "authoring.in_kk") });
    await h.send(() => emulator.sendLocation(me, ALMATY.latitude + 0.001, ALMATY.longitude));
    await say(me, "Абай даңғылы, 10");

    await say(me, "көп");
    await expectSays(me, "kk", "authoring.capacity_hint");
    await say(me, "0");
    await expectSays(me, "kk", "authoring.capacity_hint");
    await say(me, "1");
    await say(me, "30");
    await expectSays(me, "kk", "authoring.hours_hint");
    await say(me, "2,3");
    await expectSays(me, "kk", "authoring.hours_hint");
    await say(me, "2,5");
    await expectSays(me, "kk", "authoring.ask_marathon");
    expect(buttonData(last(me))).toEqual([`na:mar:${marathonId}`, "na:skip"]);
    expect(toast(await press(me, "na:mar:999999"))).toBe(await localized("kk", "common.stale_button"));
    await press(me, `na:mar:${marathonId}`);
    await press(me, "na:walk:y");

    // The Russian version.
    await press(me, "na:l2:add");
    await say(me, "Уборка парка");
    await press(me, "na:skip");
    await say(me, "проспект Абая, 10");

    // The preview: in Kazakh, then in Russian; a field changed through "Edit".
    const preview = last(me);
    expect(plain(preview.text)).toContain("Саябақты <тазалау> & көгалдандыру");
    expect(plain(preview.text)).toContain("Абай даңғылы, 10");
    expect(buttonData(preview)).toEqual(["na:pub", "na:edit", "na:disc", "na:pl:ru"]);
    // Before the card, the venue pin, as a volunteer gets it.
    const venue = emulator.calls.filter((c) => c.method === "sendVenue" && Number(c.params.chat_id) === me).at(-1);
    expect(venue?.params).toMatchObject({ title: "Саябақты <тазалау> & көгалдандыру", address: "Абай даңғылы, 10" });
    await press(me, "na:pl:ru");
    expect(plain(last(me).text)).toContain("Уборка парка");
    expect(plain(last(me).text)).toContain("Зелёная страна");
    await press(me, "na:edit");
    await press(me, "na:f:cap");
    await say(me, "2");
    expect(plain(last(me).text)).toContain("Уборка парка");
    await press(me, "na:pub");
    await expectSays(me, "kk", "authoring.published", { title: "Саябақты <тазалау> & көгалдандыру" });

    const [row] = await database.db.select().from(actions).where(eq(actions.createdBy, me));
    expect(row).toMatchObject({
      organizationId: orgA,
      titleKk: "Саябақты <тазалау> & көгалдандыру",
      titleRu: "Уборка парка",
      descriptionKk: "Қоқыс жинаймыз, қолғап береміз.",
      descriptionRu: null,
      addressKk: "Абай даңғылы, 10",
      addressRu: "проспект Абая, 10",
      category: "ecology",
      capacity: 2,
      hours: 2.5,
      walkIns: true,
      marathonId,
      hasPin: true,
      status: "published",
    });
    expect(row!.endsAt.getTime() - row!.startsAt.getTime()).toBe(3 * 3_600_000);
    expect(row!.publishedAt).not.toBeNull();
    created.kk = row!.id;
  });

  it("a Russian organizer's draft survives a restart; an address alone puts the action at the region's center", async () => {
    const me = memberRu;
    await say(me, "/newaction");
    await press(me, "na:lang:ru");
    await say(me, "Помощь приюту");
    await press(me, "na:skip");
    await press(me, "na:cat:animals");
    // The bot restarts in the middle of the draft: the conversation goes on where it was.
    await bot.restart();
    // The start picked with buttons: tomorrow, then a time; a time already past today is refused.
    const days = buttonData(last(me));
    expect(days).toHaveLength(7);
    await press(me, days[1]!);
    await press(me, "na:tm:1100");
    expect(buttonData(last(me))).toEqual(["na:dur:1", "na:dur:2", "na:dur:3", "na:dur:4"]);
    await press(me, "na:dur:2");
    await say(me, "ул. Сатпаева, 5");
    await expectSays(me, "ru", "authoring.ask_pin_after_address");
    await say(me, await localized("ru", "authoring.btn_no_pin"));
    await press(me, "na:unl");
    await press(me, "na:hrs:2");
    await press(me, "na:skip");
    await press(me, "na:walk:n");
    await press(me, "na:l2:skip");
    expect(buttonData(last(me))).toEqual(["na:pub", "na:edit", "na:disc"]);
    await press(me, "na:pub");
    await expectSays(me, "ru", "authoring.published", { title: "Помощь приюту" });
    const [row] = await database.db.select().from(actions).where(eq(actions.createdBy, me));
    expect(row).toMatchObject({
      titleRu: "Помощь приюту",
      titleKk: null,
      addressRu: "ул. Сатпаева, 5",
      hasPin: false,
      latitude: ALMATY.latitude,
      longitude: ALMATY.longitude,
      capacity: null,
      hours: 2,
      walkIns: false,
      marathonId: null,
    });
    created.ru = row!.id;
  });

  it("the preview's Edit → Back returns to it; Discard publishes nothing", async () => {
    const me = memberRu;
    const before = await database.db.select({ id: actions.id }).from(actions);
    await say(me, "/newaction");
    await press(me, "na:lang:ru");
    await say(me, "Черновик");
    await press(me, "na:skip");
    await press(me, "na:cat:other");
    await say(me, "послезавтра 9:00");
    await press(me, "na:dur:1");
    await h.send(() => emulator.sendLocation(me, ALMATY.latitude, ALMATY.longitude));
    await say(me, await localized("ru", "authoring.btn_no_address"));
    await say(me, "5");
    await say(me, "1");
    await press(me, "na:skip");
    await press(me, "na:walk:n");
    await press(me, "na:l2:skip");
    const preview = last(me);
    await press(me, "na:edit");
    expect(buttonData(last(me))).toContain("na:f:st");
    await press(me, "na:back");
    expect(last(me).text).toBe(preview.text);
    await press(me, "na:disc");
    await expectSays(me, "ru", "authoring.discarded");
    expect(await database.db.select({ id: actions.id }).from(actions)).toHaveLength(before.length);
  });

  it("/cancel leaves a draft; nothing is published", async () => {
    const before = await database.db.select({ id: actions.id }).from(actions);
    await say(ownerKk, "/newaction");
    await press(ownerKk, "na:lang:kk");
    await say(ownerKk, "Жоба");
    await say(ownerKk, "/cancel");
    await say(ownerKk, "Тағы бір мәтін");
    expect(await database.db.select({ id: actions.id }).from(actions)).toHaveLength(before.length);
  });

  it("volunteers find the action in search, each in their language (the other one when only one exists)", async () => {
    for (const [me, locale] of [
      [volKk, "kk"],
      [volRu, "ru"],
    ] as const) {
      await say(me, "/actions");
      await h.send(() => emulator.sendLocation(me, ALMATY.latitude, ALMATY.longitude));
      const list = plain(last(me).text);
      expect(list).toContain(locale === "kk" ? "Саябақты <тазалау> & көгалдандыру" : "Уборка парка");
      expect(list).toContain("Помощь приюту"); // only in Russian: both see it
      await press(me, `a:o:${created.kk}:n`);
      expect(plain(last(me).text)).toContain(locale === "kk" ? "Абай даңғылы, 10" : "проспект Абая, 10");
    }
  });

  it("a changed time is told to participants and the waitlist in their language", async () => {
    const id = created.kk;
    expect(await joinAction(database.db, id, volKk)).toEqual({ status: "joined" });
    expect(await joinAction(database.db, id, volRu)).toEqual({ status: "joined" });
    expect((await joinAction(database.db, id, volunteer)).status).toBe("waitlisted");

    await say(ownerKk, "/menu");
    await press(ownerKk, "oa:list");
    expect(buttonData(last(ownerKk))).toContain(`oa:o:${id}`);
    expect(buttonData(last(ownerKk))).toContain(`org:h:${orgA}`);
    await press(ownerKk, `oa:o:${id}`);
    const screen = plain(last(ownerKk).text);
    expect(screen).toContain(plain(await localized("kk", "authoring.screen_joined", { joined: 2, capacity: 2 })));
    expect(screen).toContain(plain(await localized("kk", "authoring.screen_waitlist", { count: 1 })));
    expect(buttonData(last(ownerKk))).toEqual(
      expect.arrayContaining([`ck:qr:${id}`, `ck:att:${id}`, `ck:csv:${id}`, `bc:a:${id}`, `oa:d:${id}`]),
    );
    // The check-in QR button of this screen reaches the attendance feature (not a stale button).
    const stale = await localized("kk", "common.stale_button");
    expect(toast(await press(ownerKk, `ck:qr:${id}`))).not.toBe(stale);
    await press(ownerKk, `oa:o:${id}`);
    await press(ownerKk, `oa:e:${id}`);
    await press(ownerKk, `oa:ef:${id}:st`);
    await say(ownerKk, "01.01.2020 10:00");
    await expectSays(ownerKk, "kk", "authoring.start_past");
    await say(ownerKk, "ертең 15:00");
    await expectSays(ownerKk, "kk", "authoring.saved_notified", { count: 3 });

    const [row] = await database.db.select().from(actions).where(eq(actions.id, id));
    expect(row!.endsAt.getTime() - row!.startsAt.getTime()).toBe(3 * 3_600_000); // the duration kept
    const notices = await database.db
      .select()
      .from(outbox)
      .where(like(outbox.idempotencyKey, `achg:${id}:%`))
      .orderBy(asc(outbox.chatId));
    expect(notices.map((n) => [n.chatId, (n.payload as { locale: string }).locale])).toEqual([
      [volKk, "kk"],
      [volRu, "ru"],
      [volunteer, "kk"],
    ]);
    expect(notices[1]!.payload).toMatchObject({
      template: "authoring.changed_notice",
      params: { title: "Уборка парка", address: "проспект Абая, 10" },
    });
    // As the dispatcher will send them: each in the volunteer's language, with a button to the card.
    const i18n = await createI18n();
    const kk = render(i18n, notices[0]!.payload as OutboxPayload, renderOutboxButton);
    const ru = render(i18n, notices[1]!.payload as OutboxPayload, renderOutboxButton);
    expect(plain(String("text" in kk.params && kk.params.text))).toContain("Саябақты <тазалау> & көгалдандыру");
    expect(plain(String("text" in ru.params && ru.params.text))).toContain("Уборка парка");
    expect(kk.params.reply_markup?.inline_keyboard[0]?.[0]).toMatchObject({ callback_data: `a:o:${id}:m` });

    // Fewer places than joined is refused; more places take the waitlist in.
    await press(ownerKk, `oa:ef:${id}:cap`);
    await say(ownerKk, "1");
    await expectSays(ownerKk, "kk", "authoring.refused_capacity");
    await press(ownerKk, `oa:ef:${id}:cap`);
    await say(ownerKk, "3");
    await expectSays(ownerKk, "kk", "authoring.promoted_done", { count: 1 });
    const [waited] = await database.db
      .select()
      .from(participations)
      .where(and(eq(participations.actionId, id), eq(participations.userId, volunteer)));
    expect(waited!.status).toBe("joined");
  });

  it("refuses every management button and command to a volunteer and to another organization; nothing changes", async () => {
    const id = created.kk;
    const snapshot = async () => ({
      actions: await database.db.select().from(actions).orderBy(asc(actions.id)),
      // Messages only: a staff command menu (the 20-second job) may be set meanwhile.
      outbox: (await database.db.select({ id: outbox.id }).from(outbox).where(ne(outbox.kind, "commands"))).length,
    });
    const before = await snapshot();
    for (const [who, locale] of [
      [volunteer, "kk"],
      [otherOwner, "ru"],
    ] as const) {
      await say(who, "/menu");
      const notYours = await localized(locale, "authoring.not_yours");
      for (const data of [`oa:o:${id}`, `oa:e:${id}`, `oa:ef:${id}:st`, `oa:x:${id}`, `oa:d:${id}`, `oa:dy:${id}`]) {
        expect(toast(await press(who, data))).toBe(notYours);
      }
      // After the refusals no conversation is waiting: a date typed now changes nothing.
      await say(who, "ертең 16:00");
    }
    await say(volunteer, "/newaction");
    await expectSays(volunteer, "kk", "authoring.not_organizer");
    expect(toast(await press(volunteer, "oa:list"))).toBe(await localized("kk", "authoring.not_organizer"));
    expect(toast(await press(volunteer, "oa:new"))).toBe(await localized("kk", "authoring.not_organizer"));
    // The other organization's list does not show organization A's actions.
    await press(otherOwner, "oa:list");
    expect(buttonData(last(otherOwner))).not.toContain(`oa:o:${id}`);
    expect(await snapshot()).toEqual(before);
  });

  it("a copy next week is published once, however often the button is pressed", async () => {
    const id = created.ru;
    await say(memberRu, "/menu");
    // One tap publishes the copy; a second tap (or an old confirmation button) finds it instead of making another.
    expect(toast(await press(memberRu, `oa:d:${id}`))).toBe(await localized("ru", "authoring.copy_published"));
    expect(plain(last(memberRu).text)).toContain("Помощь приюту");
    expect(toast(await press(memberRu, `oa:d:${id}`))).toBe(await localized("ru", "authoring.copy_exists"));
    expect(toast(await press(memberRu, `oa:dy:${id}`))).toBe(await localized("ru", "authoring.copy_exists"));
    const copies = await database.db
      .select()
      .from(actions)
      .where(and(eq(actions.organizationId, orgA), eq(actions.titleRu, "Помощь приюту")))
      .orderBy(asc(actions.id));
    expect(copies).toHaveLength(2);
    expect(copies[1]!.startsAt.getTime() - copies[0]!.startsAt.getTime()).toBe(7 * 86_400_000);
    expect(copies[1]).toMatchObject({ status: "published", participantsCount: 0, createdBy: memberRu });
  });

  it("a cancel with a reason tells participants and the waitlist, and the action leaves search", async () => {
    const id = created.kk;
    await say(memberRu, "/menu");
    await press(memberRu, `oa:x:${id}`);
    await say(memberRu, "   ");
    await say(memberRu, "Дождь & <гроза>");
    await expectSays(memberRu, "ru", "authoring.cancelled_done", { count: 3 });
    const [row] = await database.db.select().from(actions).where(eq(actions.id, id));
    expect(row).toMatchObject({ status: "cancelled", cancelReason: "Дождь & <гроза>" });
    const notices = await database.db
      .select()
      .from(outbox)
      .where(like(outbox.idempotencyKey, `acnl:${id}:%`));
    expect(notices.map((n) => n.chatId).sort()).toEqual([volKk, volRu, volunteer].sort());
    const nearby = await findNearbyActions(database.db, { ...ALMATY, limit: 10, offset: 0, locale: "ru" });
    expect(nearby.map((a) => a.id)).not.toContain(id);
    // Cancelled: editing and cancelling again are refused.
    expect(toast(await press(memberRu, `oa:x:${id}`))).toBe(await localized("ru", "authoring.refused_cancelled"));
    const stillJoined = await database.db
      .select()
      .from(participations)
      .where(and(eq(participations.actionId, id), eq(participations.status, "joined")));
    expect(stillJoined).toHaveLength(3);
  });

  it("a member of several organizations picks one first, only among their own", async () => {
    await database.db.insert(organizationMembers).values({ organizationId: orgB, userId: memberRu, role: "organizer" });
    await say(memberRu, "/newaction");
    await expectSays(memberRu, "ru", "authoring.ask_organization");
    expect(buttonData(last(memberRu))).toEqual([`na:org:${orgA}`, `na:org:${orgB}`]);
    expect(toast(await press(memberRu, "na:org:999999"))).toBe(await localized("ru", "common.stale_button"));
    await press(memberRu, `na:org:${orgB}`);
    await expectSays(memberRu, "ru", "authoring.ask_language");
    await say(memberRu, "/cancel");
  });
});
