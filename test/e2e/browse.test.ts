import { inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { actions, organizations } from "../../src/db/schema";
import { findUser, setPaused } from "../../src/domain/users";
import { buttonData, buttons, chatWith, localized } from "../support/chat";
import { testDatabases } from "../support/db";
import type { BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";
import { onboardUser } from "../support/users";

const DAY = 86_400_000;
/** GeoNames' Taldykorgan. */
const TALDYKORGAN = { latitude: 45.01556, longitude: 78.37389 };
const KOSTANAY = { latitude: 53.2144, longitude: 63.6246 };
const PAVLODAR = { latitude: 52.2833, longitude: 76.9667 };
const MOSCOW = { latitude: 55.75, longitude: 37.62 };

const TEXTS = {
  kk: { pages: (page: number, pages: number, count: number) => `Бет: ${page} / ${pages} · Акция саны: ${count}` },
  ru: { pages: (page: number, pages: number, count: number) => `Страница ${page} из ${pages} · ${count} акций` },
};

describe.each(testDatabases)("browsing: one message per screen, places, radius on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  let orgId: number;
  const kostanayIds: number[] = [];
  useBot(kind, {}, (bot) => ({ database, emulator, h } = bot));
  const { last, say, press, toast } = chatWith(() => h);

  beforeAll(async () => {
    const [org] = await database.db.insert(organizations).values({ status: "approved", nameRu: "Org" }).returning();
    orgId = org!.id;
    for (let i = 0; i < 7; i++) kostanayIds.push(await addAction(`Kostanay ${i}`, KOSTANAY, 1 + i));
    kostanayIds.push(await addAction("Kostanay far", KOSTANAY, 80, { hasPin: false }));
    await addAction("Taldykorgan cleanup", TALDYKORGAN, 2);
    await addAction("Pavlodar far away", PAVLODAR, 250);
  });

  /** An action `km` due north of a point. */
  async function addAction(title: string, at: { latitude: number; longitude: number }, km: number, extra = {}) {
    const startsAt = new Date(Date.now() + 3 * DAY + km * 60_000);
    const [row] = await database.db
      .insert(actions)
      .values({
        organizationId: orgId,
        titleRu: title,
        category: "ecology",
        addressRu: `Address of ${title}`,
        latitude: at.latitude + km / 111.2,
        longitude: at.longitude,
        capacity: 10,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3 * 3600_000),
        ...extra,
      })
      .returning({ id: actions.id });
    return row!.id;
  }

  const sentCount = (id: number) =>
    emulator.callsTo(id).filter((c) => c.method.startsWith("send") && c.method !== "sendChatAction").length;
  const edits = (id: number) => emulator.callsTo(id).filter((c) => c.method === "editMessageText").length;
  const location = (id: number, p: { latitude: number; longitude: number }) =>
    h.send(() => emulator.sendLocation(id, p.latitude, p.longitude));

  for (const language of ["kk", "ru"] as const) {
    const base = language === "kk" ? 9100 : 9200;
    const t = TEXTS[language];

    it(`search → card → back → map is one message edited in place (${language})`, async () => {
      const me = base + 1;
      await onboardUser(database.db, emulator, me, { language, interests: [] });
      await say(me, "/actions");
      expect(last(me).text).toContain(await localized(language, "actions.ask_location"));
      const sentBefore = sentCount(me);
      const shownBefore = emulator.botMessages(me).length;
      await location(me, KOSTANAY);
      // The search: one message stays (the keyboard remover is deleted at once).
      expect(emulator.botMessages(me)).toHaveLength(shownBefore + 1);
      const list = last(me);
      expect(list.text).toContain(t.pages(1, 2, 7));
      expect(list.text).toContain(language === "kk" ? "Қостанай" : "Костанай");
      expect(list.text).not.toContain("Kostanay far");

      // Page 2, then a card from it: the same message, edited; back: page 2 again.
      await press(me, "a:p:1");
      expect(last(me).text).toContain(t.pages(2, 2, 7));
      const editsBefore = edits(me);
      await press(me, `a:o:${kostanayIds[5]}:n`);
      expect(last(me).message_id).toBe(list.message_id);
      expect(last(me).text).toContain("Kostanay 5");
      await press(me, "a:b");
      expect(last(me).message_id).toBe(list.message_id);
      expect(last(me).text).toContain(t.pages(2, 2, 7));
      expect(edits(me)).toBe(editsBefore + 2);

      // The map on demand: one venue message, and the 2GIS / Yandex links on the card.
      await press(me, `a:o:${kostanayIds[0]}:n`);
      const urls = buttons(last(me))
        .map((b) => b.url)
        .filter(Boolean);
      expect(urls).toContain(
        `https://2gis.kz/geo/${KOSTANAY.longitude.toFixed(6)},${(KOSTANAY.latitude + 1 / 111.2).toFixed(6)}`,
      );
      expect(urls.some((u) => u!.startsWith("https://yandex.kz/maps/?pt=63.624600,"))).toBe(true);
      await press(me, `a:map:${kostanayIds[0]}`);
      const venues = emulator.callsTo(me).filter((c) => c.method === "sendVenue");
      expect(venues).toHaveLength(1);
      // search + remover + venue: the card and the list never sent a message of their own
      expect(sentCount(me)).toBe(sentBefore + 3);

      // An action with an address only: no map buttons, the address is on the card.
      await press(me, "a:b", list.message_id);
      await press(me, "a:r:100", list.message_id);
      const shown = () => emulator.message(me, list.message_id)!;
      expect(shown().text).toContain(t.pages(1, 2, 8));
      await press(me, `a:o:${kostanayIds[7]}:n`, list.message_id);
      expect(buttonData(shown())).not.toContain(`a:map:${kostanayIds[7]}`);
      expect(buttons(shown()).some((b) => b.url?.includes("2gis"))).toBe(false);
      expect(shown().text).toContain("Address of Kostanay far");
      expect(toast(await press(me, `a:map:${kostanayIds[7]}`))).toBe(await localized(language, "actions.not_found"));
      expect(emulator.callsTo(me).filter((c) => c.method === "sendVenue")).toHaveLength(1);
    });

    it(`a typed town in each alphabet finds the actions near it (${language})`, async () => {
      const me = base + 2;
      await onboardUser(database.db, emulator, me, { language, interests: [] });
      for (const typed of ["Талдықорған", "Талдыкорган", "Taldykorgan", "Талдыкоргн", "г. Taldikorgan"]) {
        await say(me, "/actions");
        await say(me, typed);
        expect(last(me).text, typed).toContain("Taldykorgan cleanup");
        expect(last(me).text).toContain(language === "kk" ? "Талдықорған" : "Талдыкорган");
      }
      // Not asked for a place: a town name is not taken as one.
      await say(me, "Талдыкорган");
      expect(last(me).text).not.toContain("Taldykorgan cleanup");
      // Ambiguous: buttons to choose; unknown: said so.
      await say(me, "/actions");
      await say(me, "Акколь");
      expect(last(me).text).toBe(await localized(language, "actions.place_choose"));
      const choices = buttonData(last(me));
      expect(choices.length).toBeGreaterThan(1);
      expect(choices.every((d) => /^a:pl:\d+$/.test(d))).toBe(true);
      await press(me, choices[0]!);
      expect(last(me).text).toContain(language === "kk" ? "Ақкөл" : "Акколь");
      await say(me, "/actions");
      await say(me, "Qwertyuiop");
      expect(last(me).text).toContain("Qwertyuiop");
      expect(last(me).text).toBe(await localized(language, "actions.place_not_found", { text: "Qwertyuiop" }));
      // Forged place ids are stale buttons.
      const stale = await localized(language, "common.stale_button");
      expect(toast(await press(me, "a:pl:99999"))).toBe(stale);
      expect(toast(await press(me, "a:pl:abc"))).toBe(stale);
    });

    it(`nothing within 50 km says so and widens on request (${language})`, async () => {
      const me = base + 3;
      await onboardUser(database.db, emulator, me, { language, interests: [] });
      await say(me, "/actions");
      await location(me, { latitude: PAVLODAR.latitude, longitude: PAVLODAR.longitude });
      expect(last(me).text).toContain(await localized(language, "actions.empty_radius", { km: 50 }));
      expect(buttonData(last(me))).toEqual(expect.arrayContaining(["a:r:100", "a:r:300", "a:r:all"]));
      await press(me, "a:r:100");
      expect(last(me).text).toContain(await localized(language, "actions.empty_radius", { km: 100 }));
      expect(buttonData(last(me))).not.toContain("a:r:100");
      await press(me, "a:r:300");
      expect(last(me).text).toContain("Pavlodar far away");
      expect(buttonData(last(me))).toContain("a:r:all");
      expect(toast(await press(me, "a:r:77"))).toBe(await localized(language, "common.stale_button"));
    });

    it(`filters: several categories, my interests by default (${language})`, async () => {
      const me = base + 4;
      await onboardUser(database.db, emulator, me, { language, interests: ["animals"] });
      const animals = await addAction(`Animals ${language}`, KOSTANAY, 3.5, { category: "animals" });
      const health = await addAction(`Health ${language}`, KOSTANAY, 4.5, { category: "health" });
      try {
        await say(me, "/actions");
        await location(me, KOSTANAY);
        const list = last(me);
        // The first list: the volunteer's interests.
        expect(list.text).toContain(`Animals ${language}`);
        expect(list.text).not.toContain("Kostanay 0");
        expect(list.text).toContain(await localized(language, "actions.category_mine"));
        await press(me, "a:f");
        expect(buttons(last(me)).find((b) => b.callback_data === "a:fc:mine")!.text).toMatch(/^✅/);
        await press(me, "a:fc:health");
        const marked = buttons(last(me)).filter((b) => b.text.startsWith("✅") && b.callback_data !== "a:p:0");
        expect(marked.map((b) => b.callback_data)).toEqual(["a:fc:health", "a:fc:animals", "a:fp:all", "a:fd:50"]);
        await press(me, "a:p:0");
        expect(last(me).text).toContain(`Animals ${language}`);
        expect(last(me).text).toContain(`Health ${language}`);
        expect(last(me).text).not.toContain("Kostanay 0");
        expect(buttonData(last(me))).toEqual(expect.arrayContaining([`a:o:${animals}:n`, `a:o:${health}:n`]));
        await press(me, "a:f");
        await press(me, "a:fc:any");
        await press(me, "a:p:0");
        expect(last(me).text).toContain("Kostanay 0");
      } finally {
        await database.db.delete(actions).where(inArray(actions.id, [animals, health]));
      }
    });

    it(`paused: a question with "resume and join", then the card (${language})`, async () => {
      const me = base + 7;
      await onboardUser(database.db, emulator, me, { language, interests: [] });
      await setPaused(database.db, me, true);
      await say(me, "/actions");
      await location(me, KOSTANAY);
      const list = last(me);
      await press(me, `a:o:${kostanayIds[1]}:n`);
      await press(me, `a:j:${kostanayIds[1]}:n`);
      expect(last(me).message_id).toBe(list.message_id);
      expect(last(me).text).toBe(await localized(language, "actions.paused_ask"));
      expect(buttonData(last(me))).toEqual([`a:rj:${kostanayIds[1]}:n`, `a:o:${kostanayIds[1]}:n`]);
      expect(toast(await press(me, `a:rj:${kostanayIds[1]}:n`))).toContain(await localized(language, "actions.joined"));
      expect((await findUser(database.db, me))!.pausedAt).toBeNull();
      expect(last(me).message_id).toBe(list.message_id);
      expect(last(me).text).toContain(await localized(language, "actions.card_joined"));
      // Back in the list, the joined action says so (its line and its button).
      await press(me, "a:b");
      expect(last(me).message_id).toBe(list.message_id);
      expect(last(me).text).toContain(await localized(language, "actions.list_joined"));
      const joinedButton = buttons(last(me)).find((b) => b.callback_data === `a:o:${kostanayIds[1]}:n`);
      expect(joinedButton?.text.startsWith("✅ ")).toBe(true);
      // Forged: a resume button for another action id that does not exist changes nothing else.
      expect(toast(await press(me, "a:rj:abc:n"))).toBe(await localized(language, "common.stale_button"));
    });

    it(`no consent: "I agree and join" gives it, asks the region in place, then joins on the card (${language})`, async () => {
      const me = base + 8;
      await onboardUser(database.db, emulator, me, { language, consent: false });
      await say(me, "/actions");
      await location(me, KOSTANAY);
      const listId = last(me).message_id;
      await press(me, `a:o:${kostanayIds[2]}:n`);
      await press(me, `a:j:${kostanayIds[2]}:n`);
      expect(last(me).text).toContain(await localized(language, "actions.consent_ask"));
      await press(me, `a:cj:${kostanayIds[2]}:n`);
      expect((await findUser(database.db, me))!.consentAt).not.toBeNull();
      // Consent declined at onboarding left no region: only the region is asked, in the same message.
      expect(last(me).message_id).toBe(listId);
      expect(last(me).text).toBe(await localized(language, "actions.region_ask"));
      expect(toast(await press(me, `a:jr:${kostanayIds[2]}:n:kostanay`))).toContain(
        await localized(language, "actions.joined"),
      );
      expect(last(me).message_id).toBe(listId);
      expect(buttonData(last(me))).toContain(`a:l:${kostanayIds[2]}:n`);
      expect(buttonData(last(me)).at(-1)).toBe("a:b");
      expect((await findUser(database.db, me))!.regionCode).toBe("kostanay");
    });

    it(`a language switch redraws the screen in place (${language})`, async () => {
      const me = base + 6;
      const other = language === "kk" ? "ru" : "kk";
      await onboardUser(database.db, emulator, me, { language, interests: [] });
      await say(me, "/settings");
      const settings = last(me);
      const shown = emulator.botMessages(me).length;
      await press(me, "s:lang");
      expect(buttonData(last(me))).toEqual(["s:lg:kk", "s:lg:ru", "m:settings"]);
      await press(me, `s:lg:${other}`);
      expect(emulator.botMessages(me)).toHaveLength(shown);
      expect(last(me).message_id).toBe(settings.message_id);
      expect(last(me).text).toContain(
        (await localized(other, "settings.title", { language: "", region: "", interests: "", location: "" }))
          .split("\n")[0]!
          .replace(/<\/?b>/g, ""),
      );
      expect((await findUser(database.db, me))!.language).toBe(other);
      await say(me, "/language");
      const question = last(me);
      await press(me, `lang:${language}`);
      expect(last(me).message_id).toBe(question.message_id);
      expect(last(me).text).toContain(await localized(language, "menu.title"));
      expect(emulator.botMessages(me)).toHaveLength(shown + 1);
    });

    it(`a location outside a search asks; outside Kazakhstan gets a note (${language})`, async () => {
      const me = base + 5;
      await onboardUser(database.db, emulator, me, { language, interests: [] });
      await location(me, KOSTANAY);
      expect(last(me).text).toBe(await localized(language, "actions.location_question"));
      expect(buttonData(last(me))).toEqual(["a:here", "a:keep"]);
      const question = last(me).message_id;
      expect((await findUser(database.db, me))!.latitude).toBeNull();
      await press(me, "a:here");
      expect(last(me).message_id).toBe(question);
      expect(last(me).text).toContain("Kostanay 0");
      await location(me, KOSTANAY);
      await press(me, "a:keep");
      expect((await findUser(database.db, me))!.latitude).toBe(KOSTANAY.latitude);

      const outside = await localized(language, "actions.outside_kz");
      await location(me, MOSCOW);
      expect(last(me).text).toBe(outside);
      await say(me, "/actions");
      await location(me, MOSCOW);
      expect(last(me).text).toBe(outside);
      expect((await findUser(database.db, me))!.latitude).toBe(KOSTANAY.latitude);
    });
  }
});
