import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { clubCoordinators, clubMeetings, clubMembers, clubs, coordinators, users } from "../../src/db/schema";
import { createClub } from "../../src/domain/clubs";
import { setQuietHours } from "../../src/domain/preferences";
import type { LocaleKey } from "../../src/i18n";
import { buttonData, chatWith, deliveredTo, localized, plain } from "../support/chat";
import { testDatabases } from "../support/db";
import type { BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";
import { onboardUser } from "../support/users";

const HOUR = 3_600_000;

/** Issue 9: the front office renames, moves and deletes clubs and removes coordinators; coordinators share their phone. */
describe.each(testDatabases)("club management on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  useBot(kind, {}, (live) => ({ database, emulator, h } = live));
  const { last, say, press, pressOn, toast } = chatWith(() => h);
  const db = () => database.db;
  const text = (language: "kk" | "ru", key: LocaleKey, params?: Record<string, unknown>) =>
    localized(language, key, params);

  async function person(id: number, language: "kk" | "ru", firstName: string) {
    await onboardUser(db(), emulator, id, { language, firstName });
    await setQuietHours(db(), id, { startMinute: 0, endMinute: 0 });
  }
  const delivered = (chatId: number, contains: string, afterSeq: number) =>
    deliveredTo(emulator, chatId, contains, afterSeq);
  const firstLine = async (language: "kk" | "ru", key: LocaleKey) =>
    plain(await text(language, key, { club: "", name: "", count: 0 })).split("\n")[0]!;
  const seats = (clubId: number) =>
    db()
      .select()
      .from(clubCoordinators)
      .where(eq(clubCoordinators.clubId, clubId))
      .then((rows) => rows.map((r) => ({ userId: r.userId, phone: r.phone })));

  for (const language of ["kk", "ru"] as const) {
    const base = language === "kk" ? 8_620_001_000 : 8_620_002_000;
    const [front, farFront, volunteer, coord, coord2, member] = [1, 2, 3, 4, 5, 6].map((i) => base + i) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];

    it(`renames, moves, removes a coordinator, asks coordinators about their phone, deletes (${language})`, async () => {
      await person(front, language, "Фронт");
      await person(farFront, language, "Алыс");
      await person(volunteer, language, "Ерікті");
      await person(coord, language, "Гүлнар");
      await person(coord2, language, "Дәурен");
      await person(member, language, "Әже");
      await db()
        .insert(coordinators)
        .values([
          { userId: front, regionCode: "almaty" },
          { userId: farFront, regionCode: "astana" },
        ]);
      const club = await createClub(db(), {
        nameKk: "Күміс жас",
        nameRu: "Серебряный возраст",
        regionCode: "almaty",
        address: "Абай к-сі 10",
        latitude: 43.25,
        longitude: 76.95,
      });
      const local = new Date(Date.now() + 3 * HOUR + 5 * HOUR);
      await db()
        .insert(clubMeetings)
        .values({
          clubId: club.id,
          weekday: local.getUTCDay() || 7,
          startMinute: local.getUTCHours() * 60 + local.getUTCMinutes(),
        });
      await db().insert(clubMembers).values({ clubId: club.id, userId: member });
      await db().update(users).set({ seniorMode: true }).where(eq(users.id, member));

      // The front office appoints two coordinators; the phone of the contacts it sends is not kept.
      let seq = emulator.lastSeq();
      for (const [who, name] of [
        [coord, "Гүлнар"],
        [coord2, "Дәурен"],
      ] as const) {
        await say(front, "/club");
        await press(front, `kl:co:${club.id}`);
        await press(front, `kl:ap:${club.id}`);
        await h.send(() =>
          emulator.sendContact(front, { phone_number: "+77019999999", first_name: name, user_id: who }),
        );
        expect(last(front).text).toBe(await text(language, "clubs.appointed"));
      }
      expect(await seats(club.id)).toEqual([
        { userId: coord, phone: null },
        { userId: coord2, phone: null },
      ]);
      // Each is asked once whether members may see their phone.
      const ask = await delivered(coord, await firstLine(language, "clubs.phone_ask_notice"), seq);
      const ask2 = await delivered(coord2, await firstLine(language, "clubs.phone_ask_notice"), seq);
      // Until one shares, a member gets "no coordinator contact" (neither has a username).
      await say(member, await text(language, "clubs.senior_btn_call"));
      expect(last(member).text).toBe(await text(language, "clubs.senior_no_coordinator"));
      // coord2 says no; a volunteer cannot press the coordinators' buttons.
      await pressOn(coord2, (ask2.result as { message_id: number }).message_id, `kl:pn:${club.id}`);
      expect(last(coord2).text).toBe(await text(language, "clubs.phone_not_shared"));
      await say(volunteer, "/menu");
      for (const data of [`kl:ps:${club.id}`, `kl:pn:${club.id}`, `kl:ph:${club.id}`]) {
        expect(toast(await pressOn(volunteer, last(volunteer).message_id, data))).toBe(
          await text(language, "clubs.not_allowed"),
        );
      }
      // coord shares: the button asks for their own contact; someone else's is not taken.
      const askId = (ask.result as { message_id: number }).message_id;
      await pressOn(coord, askId, `kl:ps:${club.id}`);
      expect(last(coord).text).toBe(await text(language, "clubs.phone_ask"));
      const sendButton = (last(coord).reply_markup as { keyboard: Array<Array<{ request_contact?: boolean }>> })
        .keyboard[0]![0]!;
      expect(sendButton.request_contact).toBe(true);
      await h.send(() =>
        emulator.sendContact(coord, { phone_number: "+77010000000", first_name: "Әже", user_id: member }),
      );
      expect(last(coord).text).toBe(await text(language, "clubs.phone_not_own"));
      expect(await seats(club.id)).toEqual([
        { userId: coord, phone: null },
        { userId: coord2, phone: null },
      ]);
      // From the club screen: My phone → Show my number → their own contact.
      await say(coord, "/club");
      await press(coord, `kl:ph:${club.id}`);
      expect(plain(last(coord).text)).toBe(plain(await text(language, "clubs.my_phone", { phone: "—" })));
      await press(coord, `kl:ps:${club.id}`);
      await h.send(() =>
        emulator.sendContact(coord, { phone_number: "+77011112233", first_name: "Гүлнар", user_id: coord }),
      );
      expect(last(coord).text).toBe(await text(language, "clubs.phone_shared"));
      expect((await seats(club.id))[0]).toEqual({ userId: coord, phone: "+77011112233" });
      await say(member, await text(language, "clubs.senior_btn_call"));
      expect(last(member).contact).toMatchObject({ phone_number: "+77011112233", first_name: "Гүлнар" });

      // The club screen of the front office: rename, address, coordinators, delete.
      await say(front, "/club");
      expect(buttonData(last(front))).toEqual(
        expect.arrayContaining([`kl:rn:${club.id}`, `kl:mv:${club.id}`, `kl:co:${club.id}`, `kl:del:${club.id}`]),
      );
      await press(front, `kl:rn:${club.id}`);
      expect(last(front).text).toBe(await text(language, "clubs.new_name_kk"));
      await say(front, "Алтын күз <клубы>");
      await say(front, "-");
      expect(plain(last(front).text)).toBe(plain(await text(language, "clubs.renamed", { name: "Алтын күз <клубы>" })));
      expect((await db().select().from(clubs).where(eq(clubs.id, club.id)))[0]).toMatchObject({
        nameKk: "Алтын күз <клубы>",
        nameRu: null,
      });
      await say(front, "/club");
      await press(front, `kl:mv:${club.id}`);
      expect(last(front).text).toBe(await text(language, "clubs.new_address"));
      await say(front, "Сәтпаев к-сі 5");
      expect(last(front).text).toBe(await text(language, "clubs.edit_pin"));
      await say(front, "-"); // the pin stays
      expect(plain(last(front).text)).toBe(plain(await text(language, "clubs.moved", { address: "Сәтпаев к-сі 5" })));
      expect((await db().select().from(clubs).where(eq(clubs.id, club.id)))[0]).toMatchObject({
        address: "Сәтпаев к-сі 5",
        latitude: 43.25,
      });
      await say(member, await text(language, "clubs.senior_btn_next"));
      expect(plain(last(member).text)).toContain("Алтын күз <клубы>");
      expect(plain(last(member).text)).toContain("Сәтпаев к-сі 5");

      // Forged presses: a volunteer, the club's own coordinator, another region's front office.
      for (const who of [volunteer, coord, farFront]) {
        await say(who, "/menu");
        for (const data of [
          `kl:rn:${club.id}`,
          `kl:mv:${club.id}`,
          `kl:co:${club.id}`,
          `kl:rmc:${club.id}:${coord2}`,
          `kl:del:${club.id}`,
          `kl:delok:${club.id}`,
        ]) {
          expect(toast(await pressOn(who, last(who).message_id, data))).toBe(
            await text(language, "clubs.not_region_office"),
          );
        }
      }
      expect((await seats(club.id)).map((s) => s.userId)).toEqual([coord, coord2]);
      expect((await db().select().from(clubs).where(eq(clubs.id, club.id)))[0]!.deletedAt).toBeNull();

      // Removing a coordinator: the list, ✖, they are told.
      seq = emulator.lastSeq();
      await say(front, "/club");
      await press(front, `kl:co:${club.id}`);
      expect(plain(last(front).text)).toContain("Дәурен");
      await press(front, `kl:rmc:${club.id}:${coord2}`);
      expect((await seats(club.id)).map((s) => s.userId)).toEqual([coord]);
      expect(plain(last(front).text)).not.toContain("Дәурен");
      await delivered(coord2, await firstLine(language, "clubs.coordinator_removed_notice"), seq);
      // A second press on the same button: out of date.
      expect(toast(await press(front, `kl:rmc:${club.id}:${coord2}`))).toBe(
        await text(language, "common.stale_button"),
      );

      // Deleting: a confirmation first, then members and coordinators are told and the club is gone.
      await say(front, "/club");
      await press(front, `kl:del:${club.id}`);
      expect(plain(last(front).text)).toContain("Алтын күз <клубы>");
      expect(buttonData(last(front))).toEqual([`kl:delok:${club.id}`, `kl:o:${club.id}`]);
      const confirmId = last(front).message_id;
      seq = emulator.lastSeq();
      await press(front, `kl:delok:${club.id}`);
      expect(last(front).text).toBe(await text(language, "clubs.deleted", { count: 2 }));
      await delivered(member, await firstLine(language, "clubs.closed_notice"), seq);
      await delivered(coord, await firstLine(language, "clubs.closed_notice"), seq);
      expect(toast(await pressOn(front, confirmId, `kl:delok:${club.id}`))).toBe(
        await text(language, "common.stale_button"),
      );
      await say(member, await text(language, "clubs.senior_btn_next"));
      expect(last(member).text).toBe(await text(language, "clubs.senior_no_club"));
      await say(volunteer, club.joinCode!);
      expect(last(volunteer).text).toBe(await text(language, "clubs.code_unknown"));
      await say(coord, "/club");
      expect(last(coord).text).toBe(await text(language, "clubs.no_clubs"));
    });
  }
});
