import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { actionAlerts, channelPosts, linkedChats } from "../../src/db/schema";
import { setQuietHours } from "../../src/domain/preferences";
import { buttonData, buttons, chatWith, localized, plain } from "../support/chat";
import { addOrganization, cancelAction, publishAction } from "../support/channel-fixtures";
import { testDatabases } from "../support/db";
import { waitFor } from "../support/delivery-fixtures";
import type { ApiCall, BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";
import { onboardUser } from "../support/users";

const ORGANIZER = { kk: 7101, ru: 7102 } as const;
const OTHER_ORGANIZER = 7201;
const VOLUNTEER = { kk: 7301, ru: 7302 } as const;

describe.each(testDatabases)("channels and groups of an organization on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  // Group gaps shortened, so an edit follows its post without the real 3 s.
  useBot(kind, { delivery: { dispatcher: { perGroupIntervalMs: 100 } } }, (bot) => ({ database, emulator, h } = bot));
  const { last, say, press, toast } = chatWith(() => h);
  const botId = () => emulator.botInfo.id;

  const linked = async (chatId: number) =>
    (await database.db.select().from(linkedChats).where(eq(linkedChats.chatId, chatId)))[0];

  async function person(id: number, language: "kk" | "ru") {
    await onboardUser(database.db, emulator, id, { language, interests: ["ecology"] });
    await setQuietHours(database.db, id, { startMinute: 0, endMinute: 0 });
  }

  /** A channel (or supergroup) where the bot and `admin` have the given standing. */
  function chat(
    id: number,
    username: string,
    type: "channel" | "supergroup" = "channel",
    bot: "admin" | "no_post" | "member" | "none" = "admin",
  ) {
    emulator.addChat({ id, type, title: `Ерікті ${username}`, username });
    if (bot !== "none") {
      emulator.setMember(id, botId(), {
        status: bot === "member" ? "member" : "administrator",
        canPostMessages: bot !== "no_post",
      });
    }
  }

  const waitCall = (pred: (c: ApiCall) => boolean, afterSeq: number) =>
    emulator.waitForCall((c) => c.ok && pred(c), { timeoutMs: 15_000, afterSeq });

  for (const language of ["kk", "ru"] as const) {
    const organizer = ORGANIZER[language];
    const base = language === "kk" ? -1_001_000_000_100 : -1_001_000_000_200;
    const ids = { channel: base - 1, group: base - 2, noBot: base - 3, noPost: base - 4, notMine: base - 5 };
    let organizationId: number;

    it(`links a channel by @username and a group by a forwarded post, each failure explained (${language})`, async () => {
      await person(organizer, language);
      organizationId = await addOrganization(database.db, { ownerId: organizer });
      chat(ids.channel, `news_${language}`);
      emulator.setMember(ids.channel, organizer, { status: "creator" });
      chat(ids.group, `chat_${language}`, "supergroup");
      emulator.setMember(ids.group, organizer, { status: "administrator" });
      chat(ids.noBot, `nobot_${language}`, "channel", "none");
      emulator.setMember(ids.noBot, organizer, { status: "creator" });
      chat(ids.noPost, `nopost_${language}`, "channel", "no_post");
      emulator.setMember(ids.noPost, organizer, { status: "creator" });
      chat(ids.notMine, `notmine_${language}`);
      emulator.setMember(ids.notMine, organizer, { status: "member" });

      await say(organizer, "/channels");
      expect(plain(last(organizer).text)).toContain(plain(await localized(language, "channels.list_empty")));
      expect(buttonData(last(organizer))).toContain(`ch:add:${organizationId}`);
      await press(organizer, `ch:add:${organizationId}`);
      expect(plain(last(organizer).text)).toContain(`@${emulator.botInfo.username}`);

      const expectReply = async (text: string, key: Parameters<typeof localized>[1]) => {
        await say(organizer, text);
        expect(last(organizer).text).toBe(await localized(language, key));
      };
      // Telegram's answers to questions about chats the bot cannot see: expected on the way.
      h.allowRejected("chat not found");
      h.allowRejected("member list is inaccessible");
      await expectReply("hello", "channels.link_hint");
      await expectReply("@nosuchchannel", "channels.link_not_found");
      await expectReply(`@nobot_${language}`, "channels.link_bot_not_admin");
      await expectReply(`@nopost_${language}`, "channels.link_bot_cannot_post");
      await expectReply(`https://t.me/notmine_${language}`, "channels.link_user_not_admin");
      expect(await linked(ids.noBot)).toBeUndefined();
      expect(await linked(ids.notMine)).toBeUndefined();

      await say(organizer, `@news_${language}`);
      expect(plain(last(organizer).text)).toContain(`Ерікті news_${language}`);
      expect(await linked(ids.channel)).toMatchObject({ organizationId, kind: "channel", linkedBy: organizer });

      // A group, by a forwarded message of an anonymous admin.
      await say(organizer, "/channels");
      await press(organizer, `ch:add:${organizationId}`);
      await h.send(() => emulator.forwardFromChat(organizer, ids.group));
      expect(await linked(ids.group)).toMatchObject({ organizationId, kind: "supergroup" });
      await say(organizer, "/channels");
      expect(plain(last(organizer).text)).toContain(`Ерікті chat_${language}`);
      expect(buttonData(last(organizer))).toEqual(
        expect.arrayContaining([`ch:un:${ids.channel}`, `ch:un:${ids.group}`]),
      );
    });

    it(`refuses a chat linked to another organization, and another organization's buttons (${language})`, async () => {
      if (language === "kk") {
        await person(OTHER_ORGANIZER, "ru");
        await addOrganization(database.db, { ownerId: OTHER_ORGANIZER, nameKk: null, nameRu: "Другой фонд" });
      }
      emulator.setMember(ids.channel, OTHER_ORGANIZER, { status: "administrator" });
      await say(OTHER_ORGANIZER, "/channels");
      const own = buttonData(last(OTHER_ORGANIZER)).find((d) => d.startsWith("ch:add:"))!;
      await press(OTHER_ORGANIZER, own);
      await say(OTHER_ORGANIZER, `@news_${language}`);
      expect(last(OTHER_ORGANIZER).text).toBe(await localized("ru", "channels.link_other_organization"));
      await say(OTHER_ORGANIZER, "/cancel");
      expect((await linked(ids.channel))!.organizationId).toBe(organizationId);

      // Forged presses with real ids of the other organization: refused, nothing changes.
      const unlink = await press(OTHER_ORGANIZER, `ch:un:${ids.channel}`);
      expect(toast(unlink)).toBe(await localized("ru", "channels.not_linked"));
      const add = await press(OTHER_ORGANIZER, `ch:add:${organizationId}`);
      expect(toast(add)).toBe(await localized("ru", "channels.not_organizer"));
      expect((await linked(ids.channel))!.organizationId).toBe(organizationId);

      // A plain volunteer: neither the screen nor the buttons.
      const volunteer = VOLUNTEER[language];
      await person(volunteer, language);
      await say(volunteer, "/channels");
      expect(last(volunteer).text).toBe(await localized(language, "channels.not_organizer"));
      const forged = await press(volunteer, `ch:un:${ids.channel}`);
      expect(toast(forged)).toBe(await localized(language, "channels.not_organizer"));
      await press(volunteer, `ch:add:${organizationId}`);
      expect(await linked(ids.channel)).toBeDefined();
    });

    it(`posts a published action with a Join link, keeps it up to date, and says when it is cancelled (${language})`, async () => {
      const seq = emulator.lastSeq();
      const actionId = await publishAction(database.db, {
        organizationId,
        createdBy: organizer,
        capacity: 5,
        ...(language === "ru" ? { titleKk: null } : {}),
      });
      // The meeting point as a venue pin, then the post (its Join button last in the channel).
      const venue = await waitCall((c) => c.method === "sendVenue" && Number(c.params.chat_id) === ids.channel, seq);
      expect(venue.params).toMatchObject({ latitude: expect.any(Number), longitude: expect.any(Number) });
      const post = await waitCall((c) => c.method === "sendMessage" && Number(c.params.chat_id) === ids.channel, seq);
      expect(post.seq).toBeGreaterThan(venue.seq);
      const posted = emulator.lastBotMessage(ids.channel)!;
      const text = plain(posted.text);
      if (language === "kk") {
        expect(text.indexOf("Саябақты тазалау")).toBeLessThan(text.indexOf("Уборка парка"));
        expect(text).toContain("Бос орын: 5 / 5");
        expect(text).toContain("Свободных мест: 5 из 5");
      } else {
        expect(text).not.toContain("Саябақты тазалау");
        expect(text).toContain("Свободных мест: 5 из 5");
      }
      const [join] = buttons(posted);
      expect(join!.url).toBe(`https://t.me/${emulator.botInfo.username}?start=a_${actionId}`);
      await waitCall((c) => c.method === "sendMessage" && Number(c.params.chat_id) === ids.group, seq);
      const messageId = (post.result as { message_id: number }).message_id;
      // The message id is written back with the send's outcome, a moment after the call.
      const stored = async () =>
        (await database.db.select().from(channelPosts).where(eq(channelPosts.chatId, ids.channel)))[0];
      await waitFor(async () => (await stored())?.messageId === messageId, 5000, "the post's message id");
      expect(await stored()).toMatchObject({ actionId, messageId });

      // A volunteer comes through the button's deep link and joins: the post shows one spot fewer.
      const volunteer = VOLUNTEER[language];
      const before = emulator.lastSeq();
      await say(volunteer, `/start a_${actionId}`);
      await press(volunteer, `a:j:${actionId}:n`);
      await waitCall(
        (c) =>
          c.method === "editMessageText" &&
          Number(c.params.chat_id) === ids.channel &&
          plain(String(c.params.text)).includes("Свободных мест: 4 из 5"),
        before,
      );
      expect(emulator.message(ids.channel, messageId)!.reply_markup).toBeDefined();

      // Cancelled: the post says so and loses its button.
      const beforeCancel = emulator.lastSeq();
      await cancelAction(database.db, actionId);
      await waitCall(
        (c) =>
          c.method === "editMessageText" &&
          Number(c.params.chat_id) === ids.channel &&
          plain(String(c.params.text)).includes(language === "kk" ? "Акция болмайды" : "Акция не состоится"),
        beforeCancel,
      );
      expect(emulator.message(ids.channel, messageId)!.reply_markup).toBeUndefined();
    });

    it(`unlinks a chat where the bot was removed or demoted and tells the organizer (${language})`, async () => {
      const seq = emulator.lastSeq();
      await h.send(() => emulator.changeBotMember(ids.channel, organizer, { status: "kicked" }));
      expect(await linked(ids.channel)).toBeUndefined();
      const notice = await waitCall((c) => c.method === "sendMessage" && Number(c.params.chat_id) === organizer, seq);
      expect(plain(String(notice.params.text))).toContain(`Ерікті news_${language}`);
      // A group where the bot stays a member: still linked; removed: unlinked.
      await h.send(() => emulator.changeBotMember(ids.group, organizer, { status: "member" }));
      expect(await linked(ids.group)).toBeDefined();
      await h.send(() => emulator.changeBotMember(ids.group, organizer, { status: "left" }));
      expect(await linked(ids.group)).toBeUndefined();
    });
  }
  it("alerts a matching volunteer on 'at once' with the card's buttons; settings switch the mode and radius", async () => {
    const [kk, ru, other] = [7401, 7402, 7403];
    await onboardUser(database.db, emulator, kk, {
      language: "kk",
      interests: ["ecology"],
      location: { latitude: 43.25, longitude: 76.94 },
    });
    await person(ru, "ru");
    await person(other, "kk");
    await setQuietHours(database.db, kk, { startMinute: 0, endMinute: 0 });
    for (const [id, language] of [
      [kk, "kk"],
      [ru, "ru"],
    ] as const) {
      await say(id, "/settings");
      expect(plain(last(id).text)).toContain(plain(await localized(language, "alerts.mode_digest")));
      const pressed = await press(id, "s:al");
      const instant = await localized(language, "alerts.mode_instant");
      expect(toast(pressed)).toBe(await localized(language, "alerts.mode_saved", { mode: instant }));
      expect(plain(last(id).text)).toContain(instant);
    }
    // The radius is offered with a location only: 30 → 50 km.
    expect(buttonData(last(kk))).toContain("s:rad");
    expect(buttonData(last(ru))).not.toContain("s:rad");
    await press(kk, "s:rad");
    expect(plain(last(kk).text)).toContain("50 км");
    // Twice: at once, then off.
    await say(other, "/settings");
    await press(other, "s:al");
    await press(other, "s:al");
    expect(plain(last(other).text)).toContain(plain(await localized("kk", "alerts.mode_off")));

    const organizer = 7404;
    await person(organizer, "ru");
    const organizationId = await addOrganization(database.db, { ownerId: organizer, nameRu: "Алматы волонтёрлері" });
    const seq = emulator.lastSeq();
    const actionId = await publishAction(database.db, { organizationId, createdBy: organizer });
    for (const [id, title] of [
      [kk, "Саябақты тазалау"],
      [ru, "Уборка парка"],
    ] as const) {
      const alert = await waitCall((c) => c.method === "sendMessage" && Number(c.params.chat_id) === id, seq);
      expect(plain(String(alert.params.text))).toContain(title);
      expect(buttonData(emulator.lastBotMessage(id))).toEqual([`a:o:${actionId}:m`, `a:j:${actionId}:n`]);
    }
    // The button opens the card.
    await press(kk, `a:o:${actionId}:m`);
    expect(plain(last(kk).text)).toContain("Саябақты тазалау");
    const otherRows = await database.db.select().from(actionAlerts).where(eq(actionAlerts.userId, other));
    expect(otherRows).toEqual([]);
  });
});
