import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { actions, organizations, participations } from "../../src/db/schema";
import { joinAction } from "../../src/domain/participation";
import { findUser } from "../../src/domain/users";
import { testDatabases } from "../support/db";
import { onboardUser } from "../support/users";
import { buttonData, buttons, chatWith, localized, plain } from "../support/chat";
import type { BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";

const TITLE = { kk: "Саябақтағы сенбілік <Таза> & Көк", ru: "Субботник в парке <Таза> & Көк" };
const ALMATY = { latitude: 43.238, longitude: 76.9452 };
const DAY = 86_400_000;

/**
 * A shared action link (`t.me/<bot>?start=a_<id>`, issue 10): a newcomer sees the card first (after the language
 * question only when the language is unknown); Join asks for consent and the region, then joins and shows the card.
 */
describe.each(testDatabases)("a shared action link for newcomers on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  useBot(kind, {}, (bot) => ({ database, emulator, h } = bot));
  const { last, say, press, toast } = chatWith(() => h);

  async function addAction(capacity = 10): Promise<number> {
    const [org] = await database.db
      .insert(organizations)
      .values({ status: "approved", nameKk: "«Жасыл ел» қоры", nameRu: "Фонд «Жасыл ел»" })
      .returning();
    const startsAt = new Date(Date.now() + 3 * DAY);
    const [row] = await database.db
      .insert(actions)
      .values({
        organizationId: org!.id,
        titleKk: TITLE.kk,
        titleRu: TITLE.ru,
        category: "ecology",
        addressRu: "Алматы, парк Горького",
        latitude: ALMATY.latitude,
        longitude: ALMATY.longitude,
        capacity,
        hours: 3,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3 * 3600_000),
      })
      .returning({ id: actions.id });
    return row!.id;
  }

  const standing = async (actionId: number, userId: number) =>
    (
      await database.db
        .select({ status: participations.status })
        .from(participations)
        .where(and(eq(participations.actionId, actionId), eq(participations.userId, userId)))
    )[0]?.status;

  /** Nothing personal is kept of someone who did not consent: the id and the language only. */
  async function expectNothingPersonal(userId: number, language: "kk" | "ru") {
    expect(await findUser(database.db, userId)).toMatchObject({
      language,
      consentAt: null,
      onboardedAt: null,
      firstName: null,
      username: null,
      regionCode: null,
      latitude: null,
    });
  }

  for (const language of ["kk", "ru"] as const) {
    const base = language === "kk" ? 9100 : 9200;
    const l = (key: Parameters<typeof localized>[1], options?: Record<string, unknown>) =>
      localized(language, key, options);

    it(`a newcomer whose Telegram is in ${language} gets the card as the first answer; its buttons work (${language})`, async () => {
      const me = base + 1;
      const id = await addAction();
      emulator.addUser({ id: me, first_name: "Дана", username: "dana", language_code: language });
      await say(me, `/start a_${id}`);
      // The card is the bot's only message: no greeting, no language, consent or region question before it.
      const sent = emulator.botMessages(me);
      expect(sent).toHaveLength(1);
      const card = sent[0]!;
      expect(plain(card.text)).toContain(TITLE[language]);
      expect(buttonData(card)).toContain(`a:j:${id}:n`);
      expect(buttonData(card).some((d) => d?.startsWith("ob:"))).toBe(false);
      // Nothing to go back to: no "back to the list" for a newcomer.
      expect(buttonData(card)).not.toContain("a:b");
      expect(buttons(card).find((b) => b.url?.startsWith("https://t.me/share/url?"))?.text).toBe(
        await l("actions.btn_share"),
      );

      // The map and the calendar file work without a profile.
      await press(me, `a:map:${id}`, card.message_id);
      expect(last(me).location).toMatchObject({ latitude: ALMATY.latitude });
      await press(me, `a:c:${id}`, card.message_id);
      expect(last(me).document?.file_name).toBe(`erikti-${id}.ics`);
      await expectNothingPersonal(me, language);
    });

    it(`a newcomer with an unknown language is asked it first, then gets the card in it (${language})`, async () => {
      const me = base + 2;
      const id = await addAction();
      emulator.addUser({ id: me, first_name: "Alex", language_code: "en" });
      await say(me, `/start a_${id}`);
      expect(emulator.botMessages(me)).toHaveLength(1);
      const question = last(me);
      expect(buttonData(question)).toEqual([`lang:kk:a_${id}`, `lang:ru:a_${id}`]);
      await press(me, `lang:${language}:a_${id}`);
      expect(emulator.message(me, question.message_id)!.text).toBe(await l("language.changed"));
      const card = last(me);
      expect(card.message_id).not.toBe(question.message_id);
      expect(plain(card.text)).toContain(TITLE[language]);
      expect(buttonData(card)).toContain(`a:j:${id}:n`);
      expect(emulator.botMessages(me)).toHaveLength(2);
      await expectNothingPersonal(me, language);

      // A stale id after the language question: the "not found" line, nothing else.
      const other = base + 3;
      emulator.addUser({ id: other, first_name: "Sam", language_code: "de" });
      await say(other, "/start a_99999999");
      await press(other, `lang:${language}:a_99999999`);
      expect(last(other).text).toBe(await l("actions.not_found"));
    });

    it(`Join → consent → region → joined card; a later /start gives the menu (${language})`, async () => {
      const me = base + 4;
      const id = await addAction();
      emulator.addUser({ id: me, first_name: "Дана", username: "dana", language_code: language });
      await say(me, `/start a_${id}`);
      const cardId = last(me).message_id;

      // Join: the consent question in place of the card.
      await press(me, `a:j:${id}:n`, cardId);
      const consent = emulator.message(me, cardId)!;
      expect(consent.text).toContain(await l("actions.consent_ask"));
      expect(buttonData(consent)).toEqual([`a:cj:${id}:n`, `a:nc:${id}:n`]);
      // Agreed: the region is the one more question, in the same message.
      await press(me, `a:cj:${id}:n`, cardId);
      const regionQuestion = emulator.message(me, cardId)!;
      expect(regionQuestion.text).toBe(await l("actions.region_ask"));
      expect(buttonData(regionQuestion)).toContain(`a:jr:${id}:n:almaty`);
      expect(buttonData(regionQuestion).at(-1)).toBe(`a:o:${id}:n`);
      expect((await findUser(database.db, me))!.onboardedAt).toBeNull();

      expect(toast(await press(me, `a:jr:${id}:n:almaty`, cardId))).toBe(await l("actions.joined"));
      // emulator.message(): the message as Telegram keeps it (plain text and entities).
      const joined = emulator.message(me, cardId)!;
      expect(joined.text).toContain(TITLE[language]);
      expect(joined.text).toContain(plain(await l("actions.card_joined")));
      expect(buttonData(joined)[0]).toBe(`a:l:${id}:n`);
      expect(await standing(id, me)).toBe("joined");
      expect(await findUser(database.db, me)).toMatchObject({
        regionCode: "almaty",
        language,
        firstName: "Дана",
        interests: [],
        latitude: null,
      });
      const user = (await findUser(database.db, me))!;
      expect(user.consentAt).not.toBeNull();
      expect(user.onboardedAt).not.toBeNull();
      // Below the card: where the rest is (settings), and the menu.
      const welcome = last(me);
      expect(welcome.message_id).toBeGreaterThan(cardId);
      expect(plain(welcome.text)).toContain(plain(await l("actions.welcome_in", { region: "Алматы" })));
      expect(buttonData(welcome)).toContain("m:nearby");

      // An old region button pressed again: no second join, no change of region.
      expect(toast(await press(me, `a:jr:${id}:n:astana`, cardId))).toBe(await l("actions.refused_already_joined"));
      expect((await findUser(database.db, me))!.regionCode).toBe("almaty");

      // Now a volunteer: /start gives the menu, the search is open.
      await say(me, "/start");
      expect(last(me).text).toContain(await l("menu.welcome_back"));
      await say(me, "/actions");
      expect(last(me).text).toBe(await l("actions.ask_location"));
    });

    it(`a full action: the newcomer lands on the waitlist and the card says so (${language})`, async () => {
      const me = base + 5;
      const taken = base + 6;
      const id = await addAction(1);
      await onboardUser(database.db, emulator, taken, { language });
      expect((await joinAction(database.db, id, taken)).status).toBe("joined");
      emulator.addUser({ id: me, first_name: "Ерлан", language_code: language });
      await say(me, `/start a_${id}`);
      const cardId = last(me).message_id;
      expect(buttonData(last(me))[0]).toBe(`a:j:${id}:n`);
      await press(me, `a:j:${id}:n`, cardId);
      await press(me, `a:cj:${id}:n`, cardId);
      // "Back" from the region question: the card; Join again goes straight to the region (consent is kept).
      await press(me, `a:o:${id}:n`, cardId);
      expect(emulator.message(me, cardId)!.text).toContain(TITLE[language]);
      await press(me, `a:j:${id}:n`, cardId);
      expect(emulator.message(me, cardId)!.text).toBe(await l("actions.region_ask"));
      expect(toast(await press(me, `a:jr:${id}:n:astana`, cardId))).toBe(
        await l("actions.waitlisted", { position: 1 }),
      );
      expect(emulator.message(me, cardId)!.text).toContain(plain(await l("actions.card_waitlisted", { position: 1 })));
      expect(await standing(id, me)).toBe("waitlisted");
    });

    it(`refusing consent: a polite line, the card back, nothing stored; /start later onboards (${language})`, async () => {
      const me = base + 7;
      const id = await addAction();
      emulator.addUser({ id: me, first_name: "Дана", username: "dana", language_code: language });
      await say(me, `/start a_${id}`);
      const cardId = last(me).message_id;
      await press(me, `a:j:${id}:n`, cardId);
      expect(toast(await press(me, `a:nc:${id}:n`, cardId))).toBe(await l("actions.consent_refused"));
      const card = emulator.message(me, cardId)!;
      expect(card.text).toContain(TITLE[language]);
      expect(buttonData(card)[0]).toBe(`a:j:${id}:n`);
      await expectNothingPersonal(me, language);
      expect(await standing(id, me)).toBeUndefined();

      // Old or forged buttons: a polite answer, never a join, a region or a crash.
      expect(toast(await press(me, `a:jr:${id}:n:almaty`, cardId))).toBeUndefined(); // no consent: asked again
      expect(emulator.message(me, cardId)!.text).toContain(await l("actions.consent_ask"));
      await expectNothingPersonal(me, language);
      expect(toast(await press(me, "a:jr:abc:n:almaty", cardId))).toBe(await l("common.stale_button"));
      expect(toast(await press(me, `a:jr:${id}:n:atlantis`, cardId))).toBe(await l("common.stale_button"));
      expect(toast(await press(me, "a:nc:0:n", cardId))).toBe(await l("common.stale_button"));
      expect(toast(await press(me, "a:map:424242", cardId))).toBe(await l("actions.not_found"));
      // Features that need a profile stay closed.
      await say(me, "/actions");
      expect(last(me).text).toBe(await l("common.start_first"));
      // The card is still reachable by its link; a plain /start begins the usual onboarding.
      await say(me, `/start a_${id}`);
      expect(plain(last(me).text)).toContain(TITLE[language]);
      await say(me, "/start");
      expect(buttonData(last(me))).toContain("ob:r:almaty");
    });

    it(`an existing volunteer still gets the card at once, with the way back to the list (${language})`, async () => {
      const me = base + 8;
      const id = await addAction();
      await onboardUser(database.db, emulator, me, { language });
      await say(me, `/start a_${id}`);
      expect(emulator.botMessages(me)).toHaveLength(1);
      expect(plain(last(me).text)).toContain(TITLE[language]);
      expect(buttonData(last(me)).at(-1)).toBe("a:b");
      expect(toast(await press(me, `a:j:${id}:n`))).toBe(await l("actions.joined"));
      await say(me, "/start a_99999999");
      expect(last(me).text).toBe(await l("actions.not_found"));
    });
  }
});
