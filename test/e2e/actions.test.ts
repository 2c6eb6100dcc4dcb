import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { actions, organizations, outbox } from "../../src/db/schema";
import { findUser } from "../../src/domain/users";
import { testDatabases } from "../support/db";
import { onboardUser } from "../support/users";
import { buttonData, buttons, chatWith, localized, plain } from "../support/chat";
import type { BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";

const TRICKY_TITLE = 'Сенбілік <Таза> & "Көк", 2026';
const TRICKY_ORG = "Жасыл <Ел> & Co";
const ALMATY = { latitude: 43.238, longitude: 76.9452 };
const DAY = 86_400_000;

type Texts = {
  ask: string;
  list: string;
  organizer: string;
  joined: string;
  waitlisted: string;
  left: string;
  mine: string;
  waitPos: string;
  consent: string;
  notFound: string;
  empty: string;
  promotedLocale: "kk" | "ru";
};
const TEXTS: Record<"kk" | "ru", Texts> = {
  kk: {
    ask: "Қай жерден іздейміз",
    list: "Маңайдағы акциялар",
    organizer: "Ұйымдастырушы",
    joined: "Сіз акцияға жазылдыңыз",
    waitlisted: "күту тізіміндесіз — кезегіңіз: 1",
    left: "Сіз қатысудан бас тарттыңыз",
    mine: "Менің акцияларым",
    waitPos: "күту тізімінде, кезек: 1",
    consent: "дербес деректерді өңдеуге келісім қажет",
    notFound: "Акция табылмады",
    empty: "табылмады",
    promotedLocale: "kk",
  },
  ru: {
    ask: "Где искать",
    list: "Акции рядом",
    organizer: "Организатор",
    joined: "Вы записаны на акцию",
    waitlisted: "вы в листе ожидания, номер в очереди: 1",
    left: "Вы отказались от участия",
    mine: "Мои акции",
    waitPos: "в листе ожидания, номер в очереди: 1",
    consent: "нужно согласие на обработку персональных данных",
    notFound: "Акция не найдена",
    empty: "не нашлось",
    promotedLocale: "ru",
  },
};

describe.each(testDatabases)("nearby actions, cards, joining and my actions end to end on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  let orgId: number;
  useBot(kind, {}, (bot) => ({ database, emulator, h } = bot));
  const { last, say, press, toast } = chatWith(() => h);

  beforeAll(async () => {
    const [org] = await database.db
      .insert(organizations)
      .values({ status: "approved", nameRu: TRICKY_ORG })
      .returning();
    orgId = org!.id;
  });

  async function addAction(
    values: Partial<typeof actions.$inferInsert> & { km?: number; inDays?: number },
  ): Promise<number> {
    const { km = 1, inDays = 3, ...rest } = values;
    const startsAt = new Date(Date.now() + inDays * DAY);
    const [row] = await database.db
      .insert(actions)
      .values({
        organizationId: orgId,
        titleRu: TRICKY_TITLE,
        descriptionRu: "Қолғап пен қап аламыз. <Bring> gloves & water.",
        category: "ecology",
        addressRu: "Алматы, Бағаналы <көшесі> & 5",
        latitude: ALMATY.latitude + km / 111.2,
        longitude: ALMATY.longitude,
        capacity: 10,
        hours: 3,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3 * 3600_000),
        ...rest,
      })
      .returning({ id: actions.id });
    return row!.id;
  }

  const onboarded = (id: number, language: "kk" | "ru", consent = true) =>
    onboardUser(database.db, emulator, id, { language, consent, firstName: "Ayan & <Co>" });

  for (const [language, other] of [
    ["kk", "ru"],
    ["ru", "kk"],
  ] as const) {
    const t = TEXTS[language];

    it(`location → list → card → join → calendar → my actions → leave promotes the waitlist (${language})`, async () => {
      const me = language === "kk" ? 7101 : 7201;
      const waiting = me + 1;
      await onboarded(me, language);
      await onboarded(waiting, other);
      const id = await addAction({ capacity: 1, km: 0.3 });

      // Where to search: a location keyboard with the region's center and the saved-location options.
      await say(me, "/actions");
      expect(last(me).text).toContain(t.ask);
      expect(last(me).reply_markup.keyboard[0][0]).toMatchObject({ request_location: true });
      expect(last(me).reply_markup.keyboard).toHaveLength(2); // no saved location: share + region center
      const before = emulator.botMessages(me).length;
      await h.send(() => emulator.sendLocation(me, ALMATY.latitude, ALMATY.longitude));
      // One message: the list (the keyboard is taken away by a message deleted at once).
      expect(emulator.botMessages(me)).toHaveLength(before + 1);
      expect(emulator.callsTo(me).some((c) => c.method === "deleteMessage")).toBe(true);
      const list = last(me);
      expect(list.text).toContain(t.list);
      expect(list.text).toContain("Сенбілік &lt;Таза&gt; &amp; &quot;Көк&quot;, 2026");
      expect(plain(list.text)).toContain(TRICKY_TITLE);
      expect(plain(list.text)).toMatch(/📏 3\d0 м/);
      const open = buttons(list).find((b) => b.callback_data === `a:o:${id}:n`);
      expect(open?.text).toContain("🌳");

      // The card: the list becomes the card; the pin comes on demand.
      await press(me, `a:o:${id}:n`);
      const card = last(me);
      expect(card.message_id).toBe(list.message_id);
      await press(me, `a:map:${id}`);
      const venue = emulator.calls.filter((c) => c.method === "sendVenue" && Number(c.params.chat_id) === me).at(-1)!;
      expect(venue.params).toMatchObject({ title: TRICKY_TITLE, address: "Алматы, Бағаналы <көшесі> & 5" });
      expect(plain(card.text)).toContain(TRICKY_ORG);
      expect(plain(card.text)).toContain(t.organizer);
      expect(plain(card.text)).toContain("<Bring> gloves & water.");
      expect(plain(card.text)).toContain("⏱");
      const cardButtons = buttons(card);
      // Share: Telegram's share sheet with the deep link and "title, date" (test/e2e/dates-share.test.ts has the text).
      expect(cardButtons.map((b) => b.callback_data ?? b.url?.split("&text=")[0])).toEqual([
        `a:j:${id}:n`,
        `a:map:${id}`,
        expect.stringMatching(/^https:\/\/2gis\.kz\/geo\/76\.945\d+,43\.24\d+$/),
        expect.stringMatching(/^https:\/\/yandex\.kz\/maps\/\?pt=76\.945\d+,43\.24\d+&z=16&l=map$/),
        `a:c:${id}`,
        `https://t.me/share/url?url=${encodeURIComponent(`https://t.me/erikti_bot?start=a_${id}`)}`,
        "a:b",
      ]);

      expect(toast(await press(me, `a:j:${id}:n`, card.message_id))).toContain(t.joined);
      expect(buttons(emulator.message(me, card.message_id))[0]!.callback_data).toBe(`a:l:${id}:n`);
      // A second press on a stale Join button is refused politely, without a failing edit.
      expect(toast(await press(me, `a:j:${id}:n`, card.message_id))).toBe(
        await localized(language, "actions.refused_already_joined"),
      );

      // Add to calendar: an .ics document.
      await press(me, `a:c:${id}`);
      const ics = last(me).document!;
      expect(ics.file_name).toBe(`erikti-${id}.ics`);
      const content = ics.data!.toString("utf8");
      expect(content).toMatch(/^BEGIN:VCALENDAR\r\nVERSION:2.0\r\n/);
      expect(content).toContain(`UID:action-${id}@erikti\r\n`);
      expect(content).toMatch(/DTSTART:\d{8}T\d{6}Z\r\n/);
      expect(content).toContain('SUMMARY:Сенбілік <Таза> & "Көк"\\, 2026\r\n');
      expect(content).toContain(`URL:https://t.me/erikti_bot?start=a_${id}`);
      expect(content.trimEnd().endsWith("END:VCALENDAR")).toBe(true);
      expect(plain(last(me).caption)).toContain(TRICKY_TITLE);

      // The other user finds it from the region's center and gets on the waitlist.
      await say(waiting, "/actions");
      const centerLabel = last(waiting).reply_markup.keyboard[1][0].text;
      await say(waiting, centerLabel);
      expect(last(waiting).text).toContain("Алматы");
      await press(waiting, `a:o:${id}:n`);
      const waitToast = toast(await press(waiting, `a:j:${id}:n`));
      expect(waitToast).toContain(TEXTS[other].waitlisted);
      expect(buttons(last(waiting))[0]!.callback_data).toBe(`a:l:${id}:n`);

      // My actions, from /my and the menu.
      await say(me, "/my");
      expect(last(me).text).toContain(t.mine);
      expect(plain(last(me).text)).toContain(TRICKY_TITLE);
      expect(buttons(last(me)).map((b) => b.callback_data)).toContain(`a:o:${id}:m`);
      await say(waiting, "/menu");
      await press(waiting, "m:mine");
      expect(plain(last(waiting).text)).toContain(TEXTS[other].waitPos);

      // Leaving from the card opened in "My actions" promotes the waiting user, whose notice waits in the outbox.
      await press(me, `a:o:${id}:m`);
      expect(buttons(last(me)).at(-1)!.callback_data).toBe("m:mine");
      // Leave asks first ("No" brings the card back); the notice after it has no Undo: the seat went to the next one.
      await press(me, `a:l:${id}:m`);
      expect(buttonData(last(me))).toEqual([`a:ly:${id}:m`, `a:o:${id}:m`]);
      await press(me, `a:ly:${id}:m`);
      expect(plain(last(me).text)).toContain(t.left);
      expect(buttonData(last(me))).toEqual([`a:o:${id}:m`]);
      await press(me, `a:o:${id}:m`);
      expect(buttons(last(me))[0]!.callback_data).toBe(`a:j:${id}:m`);
      const notices = await database.db.select().from(outbox).where(eq(outbox.chatId, waiting));
      expect(notices).toHaveLength(1);
      // The notice says what, when and where, with the card and "I can't" (which frees the seat again).
      expect(notices[0]!.payload).toEqual({
        template: "actions.promoted_notice",
        params: {
          title: TRICKY_TITLE,
          when: { $datetime: expect.any(String) },
          address: "Алматы, Бағаналы <көшесі> & 5",
        },
        locale: TEXTS[other].promotedLocale,
        buttons: [
          [{ kind: "action.open", actionId: expect.any(Number) }],
          [{ kind: "reminder.cant", actionId: expect.any(Number) }],
        ],
        expiresAt: expect.any(String),
      });
      await press(me, "m:mine");
      expect(plain(last(me).text)).not.toContain(TRICKY_TITLE);
    });

    it(`opens a deep-linked card for a brand-new user at once; Join asks consent and the region (${language})`, async () => {
      const newcomer = language === "kk" ? 7301 : 7401;
      const id = await addAction({ km: 2 });
      emulator.addUser({ id: newcomer, first_name: "<i>Нұр</i> & co", language_code: language });
      await say(newcomer, `/start a_${id}`);
      const card = last(newcomer);
      expect(plain(card.text)).toContain(TRICKY_TITLE);
      await press(newcomer, `a:j:${id}:n`);
      await press(newcomer, `a:cj:${id}:n`);
      expect(toast(await press(newcomer, `a:jr:${id}:n:almaty`))).toContain(t.joined);
      expect(emulator.message(newcomer, card.message_id)!.text).toContain(TRICKY_TITLE);
      expect((await findUser(database.db, newcomer))!.firstName).toBe("<i>Нұр</i> & co");
      // The same link for an onboarded user opens the card at once; a bad one says so.
      await say(newcomer, `/start a_${id}`);
      expect(plain(last(newcomer).text)).toContain(TRICKY_TITLE);
      await say(newcomer, "/start a_99999999");
      expect(last(newcomer).text).toContain(t.notFound);
    });

    it(`pages, filters, refuses without consent and rejects tampered buttons (${language})`, async () => {
      const me = language === "kk" ? 7501 : 7601;
      await onboarded(me, language, false);
      // A far-away cluster of its own, so other tests' actions do not interfere.
      const origin = { latitude: 49.8, longitude: language === "kk" ? 73.1 : 75.1 };
      const cluster = [];
      for (let i = 0; i < 7; i++) {
        cluster.push(
          await addAction({
            titleRu: `Karaganda ${i}`,
            latitude: origin.latitude + i / 500,
            longitude: origin.longitude,
            category: i === 6 ? "animals" : "social",
          }),
        );
      }
      await say(me, "/actions");
      expect(last(me).reply_markup.keyboard).toHaveLength(1); // no consent: no region, no saved location
      await h.send(() => emulator.sendLocation(me, origin.latitude, origin.longitude));
      const listId = last(me).message_id;
      expect(plain(last(me).text)).toContain("Karaganda 0");
      expect(plain(last(me).text)).not.toContain("Karaganda 5");
      await press(me, "a:p:1", listId);
      expect(plain(last(me).text)).toContain("Karaganda 5");
      expect(buttons(last(me)).map((b) => b.callback_data)).toContain("a:p:0");

      await press(me, "a:f", listId);
      await press(me, "a:fc:animals", listId);
      await press(me, "a:fp:today", listId);
      await press(me, "a:fp:today", listId); // the same choice again: no edit Telegram would refuse
      await press(me, "a:p:0", listId);
      expect(plain(emulator.message(me, listId)!.text)).toContain(t.empty);
      await press(me, "a:fr", listId);
      expect(plain(emulator.message(me, listId)!.text)).toContain("Karaganda 0");
      await press(me, "a:fp:all", listId);
      await press(me, "a:fc:animals", listId);
      await press(me, "a:p:0", listId);
      const filtered = plain(emulator.message(me, listId)!.text);
      expect(filtered).toContain("Karaganda 6");
      expect(filtered).not.toContain("Karaganda 0");

      // No consent: a question with the button that gives it (and joins), not a toast.
      await press(me, `a:o:${cluster[0]}:n`, listId);
      await press(me, `a:j:${cluster[0]}:n`, listId);
      expect(emulator.message(me, listId)!.text).toContain(t.consent);
      expect(buttonData(emulator.message(me, listId))).toEqual([`a:cj:${cluster[0]}:n`, `a:nc:${cluster[0]}:n`]);
      await press(me, `a:nc:${cluster[0]}:n`, listId);
      expect(emulator.message(me, listId)!.text).toContain("Karaganda 0");

      // Forged ids and unknown actions.
      expect(toast(await press(me, "a:o:424242:n"))).toContain(t.notFound);
      expect(toast(await press(me, "a:o:abc"))).toContain(t.notFound);
      const stale = await localized(language, "common.stale_button");
      expect(toast(await press(me, "a:p:9999"))).toBe(stale);
      expect(toast(await press(me, "a:fc:nonsense"))).toBe(stale);
      expect(toast(await press(me, "a:c:424242"))).toContain(t.notFound);

      // A location sent without being asked: a question (search here or save), nothing is replaced.
      await h.send(() => emulator.sendLocation(me, origin.latitude, origin.longitude));
      expect(last(me).text).not.toContain(t.list);
      expect(buttonData(last(me))).toEqual(["a:here", "a:keep"]);
    });
  }
});
