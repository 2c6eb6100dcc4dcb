import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { actions, participations, users } from "../../src/db/schema";
import { formatDateTime } from "../../src/i18n/format";
import { testDatabases } from "../support/db";
import { addAction } from "../support/delivery-fixtures";
import { buttonData, chatWith, localized, plain } from "../support/chat";
import type { ApiCall, BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";
import { onboardUser } from "../support/users";

const TRICKY = `Сенбілік <Таза> & "Көк"`;
const ADDRESS = "Алматы, Абай <даңғылы> & 1";
const DAY = 86_400_000;

const TEXTS = {
  kk: {
    ask: "қатысудан бас тартасыз ба",
    left: "Сіз қатысудан бас тарттыңыз",
    undoOffer: "«Орнымды қайтару» батырмасын басыңыз",
    gone: "Орныңыз кезектегі еріктіге берілді",
    taken: "орын бос емес",
    promoted: "Орын босады",
  },
  ru: {
    ask: "Отказаться от участия в этой акции?",
    left: "Вы отказались от участия",
    undoOffer: "нажмите «Вернуть моё место»",
    gone: "Ваше место перешло следующему в очереди",
    taken: "место уже занято",
    promoted: "Освободилось место",
  },
} as const;

describe.each(testDatabases)("leaving with a confirmation and Undo end to end on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  useBot(kind, {}, (bot) => ({ database, emulator, h } = bot));
  const { last, say, press, pressOn, toast } = chatWith(() => h);

  const status = async (actionId: number, userId: number) =>
    (
      await database.db
        .select({ status: participations.status, seq: participations.queuedSeq })
        .from(participations)
        .where(and(eq(participations.actionId, actionId), eq(participations.userId, userId)))
    )[0];
  const seatsTaken = async (actionId: number) =>
    (await database.db.select().from(actions).where(eq(actions.id, actionId)))[0]!.participantsCount;

  /** The user opens the card through its deep link (a new message) and joins. */
  async function joinByCard(userId: number, actionId: number) {
    await say(userId, `/start a_${actionId}`);
    await press(userId, `a:j:${actionId}:n`);
  }

  for (const [language, other] of [
    ["kk", "ru"],
    ["ru", "kk"],
  ] as const) {
    const t = TEXTS[language];
    const base = language === "kk" ? 9100 : 9200;

    it(`leave → confirm → undo → joined again; a forged undo by another user changes nothing (${language})`, async () => {
      const [me, stranger] = [base + 1, base + 2];
      await onboardUser(database.db, emulator, me, { language });
      await onboardUser(database.db, emulator, stranger, { language: other });
      const id = await addAction(database.db, { title: TRICKY, startsAt: new Date(Date.now() + 3 * DAY), capacity: 2 });
      await joinByCard(me, id);
      const card = last(me);
      expect(buttonData(card)[0]).toBe(`a:l:${id}:n`);

      // Leave asks first, in place of the card; "No" brings the card back unchanged.
      await press(me, `a:l:${id}:n`);
      expect(last(me).message_id).toBe(card.message_id);
      expect(plain(last(me).text)).toContain(t.ask);
      expect(plain(last(me).text)).toContain(TRICKY);
      expect(buttonData(last(me))).toEqual([`a:ly:${id}:n`, `a:o:${id}:n`]);
      await press(me, `a:o:${id}:n`);
      expect(buttonData(last(me))[0]).toBe(`a:l:${id}:n`);
      expect((await status(id, me))!.status).toBe("joined");

      // "Yes, leave": left; the notice offers Undo (nobody was waiting, the seat is free).
      await press(me, `a:l:${id}:n`);
      await press(me, `a:ly:${id}:n`);
      const { seq } = (await status(id, me))!;
      expect((await status(id, me))!.status).toBe("left");
      expect(await seatsTaken(id)).toBe(0);
      const notice = last(me);
      expect(notice.message_id).toBe(card.message_id);
      expect(plain(notice.text)).toContain(t.left);
      expect(plain(notice.text)).toContain(TRICKY);
      expect(plain(notice.text)).toContain(t.undoOffer);
      const undo = `a:u:${id}:${seq}:n`;
      expect(buttonData(notice)).toEqual([undo, `a:o:${id}:n`]);
      // A double press of "Yes" shows the same notice and leaves nothing else changed.
      await press(me, `a:ly:${id}:n`);
      expect(buttonData(last(me))).toEqual([undo, `a:o:${id}:n`]);

      // Someone else pressing the same data (forged) has nothing to undo: a polite answer, no change.
      await say(stranger, "/menu");
      expect(toast(await press(stranger, undo))).toBe(await localized(other, "actions.undo_stale"));
      expect(await status(id, stranger)).toBeUndefined();
      expect((await status(id, me))!.status).toBe("left");

      // Undo: joined again, the card shows it; pressed twice, one effect.
      expect(toast(await pressOn(me, notice.message_id, undo))).toBe(await localized(language, "actions.undo_joined"));
      expect(buttonData(last(me))[0]).toBe(`a:l:${id}:n`);
      expect(toast(await pressOn(me, notice.message_id, undo))).toBe(await localized(language, "actions.undo_joined"));
      expect((await status(id, me))!.status).toBe("joined");
      expect(await seatsTaken(id)).toBe(1);
      // A made-up number is out of date too.
      expect(toast(await press(me, `a:u:${id}:99999999:n`))).toBe(await localized(language, "actions.undo_stale"));

      // Once the action has begun, Undo refuses politely (and an old card's Leave says it began).
      await press(me, `a:l:${id}:n`);
      await press(me, `a:ly:${id}:n`);
      const again = `a:u:${id}:${(await status(id, me))!.seq}:n`;
      expect(buttonData(last(me))[0]).toBe(again);
      // Consent withdrawn meanwhile: Undo goes the way Join does (the consent question first), nothing restored.
      const consentAt = (await database.db.select().from(users).where(eq(users.id, me)))[0]!.consentAt;
      await database.db.update(users).set({ consentAt: null }).where(eq(users.id, me));
      await press(me, again);
      expect(last(me).text).toContain(await localized(language, "actions.consent_ask"));
      expect((await status(id, me))!.status).toBe("left");
      await database.db.update(users).set({ consentAt }).where(eq(users.id, me));
      await database.db
        .update(actions)
        .set({ startsAt: new Date(Date.now() - 60_000) })
        .where(eq(actions.id, id));
      expect(toast(await press(me, again))).toBe(await localized(language, "actions.undo_started"));
      expect((await status(id, me))!.status).toBe("left");
      await database.db.update(participations).set({ status: "joined" }).where(eq(participations.userId, me));
      expect(toast(await press(me, `a:l:${id}:n`, card.message_id))).toBe(
        await localized(language, "actions.refused_started"),
      );
    });

    it(`leave with a waitlist: the promoted person is told with the card and "I can't", undo is refused (${language})`, async () => {
      const [me, waiting] = [base + 3, base + 4];
      await onboardUser(database.db, emulator, me, { language });
      await onboardUser(database.db, emulator, waiting, { language: other });
      const startsAt = new Date(Date.now() + 3 * DAY);
      const id = await addAction(database.db, { title: TRICKY, address: ADDRESS, startsAt, capacity: 1 });
      await joinByCard(me, id);
      await joinByCard(waiting, id);
      expect((await status(id, waiting))!.status).toBe("waitlisted");

      const afterSeq = emulator.lastSeq();
      await press(me, `a:l:${id}:n`);
      await press(me, `a:ly:${id}:n`);
      const { seq } = (await status(id, me))!;
      // The seat went to the next one at once: the notice says so and has no Undo.
      expect(plain(last(me).text)).toContain(t.gone);
      expect(buttonData(last(me))).toEqual([`a:o:${id}:n`]);
      expect((await status(id, waiting))!.status).toBe("joined");

      // The promoted person is told, in their language: what, when, where, with the card and "I can't".
      const told = await emulator.waitForCall(
        (c: ApiCall) => c.method === "sendMessage" && Number(c.params.chat_id) === waiting,
        { timeoutMs: 10_000, afterSeq },
      );
      const promoted = emulator.message(waiting, (told.result as { message_id: number }).message_id)!;
      const promotedText = plain(String(told.params.text));
      expect(promotedText).toContain(TEXTS[other].promoted);
      expect(promotedText).toContain(TRICKY);
      expect(promotedText).toContain(formatDateTime(startsAt, other));
      expect(promotedText).toContain(ADDRESS);
      expect(buttonData(promoted)).toEqual([`a:o:${id}:m`, `rem:no:${id}`]);

      // An undo pressed anyway (an old button) is refused politely, with the waitlist offered; nobody is overbooked.
      await press(me, `a:u:${id}:${seq}:n`);
      expect(plain(last(me).text)).toContain(t.taken);
      expect(buttonData(last(me))).toEqual([`a:j:${id}:n`, `a:o:${id}:n`]);
      expect(await seatsTaken(id)).toBe(1);
      expect(toast(await press(me, `a:j:${id}:n`))).toBe(
        await localized(language, "actions.waitlisted", { position: 1 }),
      );

      // The promoted person's "I can't" asks first; "Back" restores the notice's buttons.
      await pressOn(waiting, promoted.message_id, `rem:no:${id}`);
      // The confirmation takes the place of "I can't"; the card button above stays.
      expect(buttonData(emulator.message(waiting, promoted.message_id))).toEqual([
        `a:o:${id}:m`,
        `rem:ny:${id}`,
        `rem:nb:${id}:p`,
      ]);
      await pressOn(waiting, promoted.message_id, `rem:nb:${id}:p`);
      expect(buttonData(emulator.message(waiting, promoted.message_id))).toEqual([`a:o:${id}:m`, `rem:no:${id}`]);
      await pressOn(waiting, promoted.message_id, `rem:no:${id}`);
      await pressOn(waiting, promoted.message_id, `rem:ny:${id}`);
      // Confirmed: left; the seat went back to the first waiting (me), so no Undo.
      expect(emulator.message(waiting, promoted.message_id)!.reply_markup).toEqual({ inline_keyboard: [] });
      expect(plain(last(waiting).text)).toContain(TEXTS[other].gone);
      expect(buttonData(last(waiting))).toEqual([`a:o:${id}:m`]);
      expect((await status(id, me))!.status).toBe("joined");
      expect(await seatsTaken(id)).toBe(1);
    });
  }
});
