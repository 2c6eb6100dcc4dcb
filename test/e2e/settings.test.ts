import { describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { joinAction } from "../../src/domain/participation";
import { findUser } from "../../src/domain/users";
import { addOrganization, publishAction } from "../support/channel-fixtures";
import { testDatabases } from "../support/db";
import { onboardUser } from "../support/users";
import type { BotApiEmulator } from "../support/fake-telegram";
import { buttonData, chatWith, localized } from "../support/chat";
import { type Harness, startHarness, useBot } from "../support/harness";

describe.each(testDatabases)("menu, settings and unexpected input on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  useBot(kind, {}, (bot) => ({ database, emulator, h } = bot));
  const { last, say, press, toast } = chatWith(() => h);

  const onboarded = (id: number, language: "kk" | "ru", consent: boolean) =>
    onboardUser(database.db, emulator, id, { language, consent, location: { latitude: 43.2, longitude: 76.9 } });

  for (const [language, texts] of [
    [
      "kk",
      {
        settings: "Баптаулар",
        region: "Өңір: Астана",
        withdrawn: "Келісім кері қайтарып алынды",
        unknown: "түсінбедім",
        sticker: "өңдей алмаймын",
        command: "Мұндай команда жоқ",
      },
    ],
    [
      "ru",
      {
        settings: "Настройки",
        region: "Регион: Астана",
        withdrawn: "Согласие отозвано",
        unknown: "не понял",
        sticker: "не обрабатываю",
        command: "Такой команды нет",
      },
    ],
  ] as const) {
    it(`changes region, interests, location and consent from /settings (${language})`, async () => {
      const id = language === "kk" ? 6001 : 6002;
      await onboarded(id, language, true);
      await say(id, "/settings");
      expect(last(id).text).toContain(texts.settings);
      await press(id, "s:region");
      expect(last(id).reply_markup.inline_keyboard.flat()).toHaveLength(21); // 20 regions + back
      // The person's own region is marked (onboarded in Almaty), and only it.
      const marked = last(id)
        .reply_markup.inline_keyboard.flat()
        .filter((b: { text: string }) => b.text.startsWith("✅ "));
      expect(marked.map((b: { callback_data: string }) => b.callback_data)).toEqual(["s:r:almaty"]);
      await press(id, "s:r:astana");
      expect(last(id).text).toContain(texts.region);
      await press(id, "s:int");
      await press(id, "s:i:animals");
      await press(id, "s:i:ecology");
      await press(id, "s:idone");
      expect((await findUser(database.db, id))!.interests).toEqual(["animals"]);
      await press(id, "s:locdel");
      expect((await findUser(database.db, id))!.latitude).toBeNull();
      // A location sent unasked is a question (search here or save), not a silent change.
      await h.send(() => emulator.sendLocation(id, 51.17, 71.45));
      expect((await findUser(database.db, id))!.latitude).toBeNull();
      await press(id, "a:keep");
      expect((await findUser(database.db, id))!.latitude).toBe(51.17);
      // Asked for by settings: stored at once.
      await say(id, "/settings");
      await press(id, "s:loc");
      await h.send(() => emulator.sendLocation(id, 51.18, 71.45));
      expect((await findUser(database.db, id))!.latitude).toBe(51.18);
      await say(id, "/settings");
      await press(id, "s:consent");
      await press(id, "s:cw");
      expect(last(id).text).toContain(language === "kk" ? "берілмеген" : "не дано");
      const user = await findUser(database.db, id);
      expect(user).toMatchObject({ firstName: null, regionCode: null, interests: [], latitude: null, consentAt: null });
      // Not a vanishing toast: a message with what consent means and the button that gives it, then "Continue".
      await press(id, "s:region");
      expect(last(id).text).toContain(language === "kk" ? "келісім қажет" : "нужно согласие");
      expect(buttonData(last(id))).toEqual(["cg:s:region"]);
      await press(id, "cg:s:region");
      expect((await findUser(database.db, id))!.consentAt).not.toBeNull();
      expect(buttonData(last(id))).toEqual(["s:region"]);
      await press(id, "s:region");
      expect(buttonData(last(id))).toContain("s:r:astana");
      // Withdrawn again; giving it from the settings shows what it means first (the onboarding text), then "I agree".
      await say(id, "/settings");
      await press(id, "s:consent");
      await press(id, "s:cw");
      await press(id, "s:consent");
      expect(last(id).text).toBe(await localized(language, "onboarding.consent_text"));
      expect((await findUser(database.db, id))!.consentAt).toBeNull();
      await press(id, "s:cg");
      expect((await findUser(database.db, id))!.consentAt).not.toBeNull();
      expect(toast(await press(id, "s:pause"))).toContain(
        language === "kk" ? "Қатысу уақытша тоқтатылды" : "Участие приостановлено",
      );
      expect((await findUser(database.db, id))!.pausedAt).not.toBeNull();
      expect(last(id).text).toContain(language === "kk" ? "Қатысу: уақытша тоқтатылған" : "Участие: на паузе");
      await press(id, "s:pause");
      expect((await findUser(database.db, id))!.pausedAt).toBeNull();
      // A press that changes nothing (the screen already is the settings screen): no edit is sent.
      const before = emulator.botMessages(id).length;
      const edits = () => emulator.calls.filter((c) => c.method === "editMessageText").length;
      const editsBefore = edits();
      await press(id, "m:settings");
      await press(id, "m:settings");
      expect(edits()).toBe(editsBefore);
      // A double tap whose second press was made before the first edit arrived: Telegram's 400 "message is not
      // modified" is harmless, and no apology follows.
      h.allowRejected("message is not modified");
      const screen = last(id).message_id;
      await Promise.all([press(id, "m:home", screen), press(id, "m:home", screen)]);
      expect(h.takeRejections().map((c) => c.error?.description)).toEqual([
        expect.stringContaining("message is not modified"),
      ]);
      expect(emulator.botMessages(id)).toHaveLength(before);
      void texts.withdrawn;
    });

    it(`answers sections not built yet, stale buttons and unexpected input politely (${language})`, async () => {
      const id = language === "kk" ? 6003 : 6004;
      await onboarded(id, language, false);
      await say(id, "/menu");
      expect(toast(await press(id, "zz:top"))).toBe(await localized(language, "common.stale_button"));
      await say(id, "hello there");
      expect(last(id).text).toContain(texts.unknown);
      await h.send(() => emulator.sendSticker(id));
      expect(last(id).text).toContain(texts.sticker);
      await h.send(() => emulator.sendPhoto(id, "a photo"));
      expect(last(id).text).toContain(texts.sticker);
      await say(id, "/nosuchcommand");
      expect(last(id).text).toContain(texts.command);
      await h.send(() => emulator.sendLocation(id, 43.2, 76.9)); // no consent: explained, not stored
      expect((await findUser(database.db, id))!.latitude).toBeNull();
      await say(id, "/language");
      await press(id, language === "kk" ? "lang:ru" : "lang:kk");
      expect((await findUser(database.db, id))!.language).toBe(language === "kk" ? "ru" : "kk");
    });
  }

  for (const language of ["kk", "ru"] as const) {
    it(`pausing with seats still taken says how many, no reminders for them, and where to leave them (${language})`, async () => {
      const id = language === "kk" ? 6_020 : 6_021;
      await onboardUser(database.db, emulator, id, { language });
      const organizationId = await addOrganization(database.db, { ownerId: id });
      for (let i = 0; i < 2; i++) {
        const actionId = await publishAction(database.db, { organizationId });
        expect((await joinAction(database.db, actionId, id)).status).toBe("joined");
      }
      await say(id, "/settings");
      await press(id, "s:pause");
      expect(last(id).text).toBe(await localized(language, "settings.paused_still_joined", { count: 2 }));
      expect(buttonData(last(id))).toEqual(["m:mine"]);
      // Resuming only redraws the settings (the toast says it): no new message.
      const messages = emulator.botMessages(id).length;
      await press(id, "s:pause", emulator.botMessages(id).at(-2)!.message_id);
      expect(emulator.botMessages(id).length).toBe(messages);
    });
  }

  it("apologizes in the user's language when something breaks, without a stack trace", async () => {
    const own = await kind.open();
    const broken = await startHarness(own); // its own fake Telegram, so two bots never poll one server
    broken.emulator.addUser({ id: 6010, first_name: "Ая", language_code: "ru" });
    await own.close(); // the database goes away under the running bot
    await broken.send(() => broken.emulator.sendText(6010, "/start"));
    expect(broken.emulator.lastBotMessage(6010)!.text).toBe(
      "Извините, что-то пошло не так. Попробуйте ещё раз чуть позже.",
    );
    await broken.stop();
  });
});
