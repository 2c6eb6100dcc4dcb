import { and, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, DatabaseHandle } from "../../src/db/client";
import { clubAnswers, clubCoordinators, clubMeetings, clubMembers, clubs, outbox } from "../../src/db/schema";
import {
  addMeeting,
  appointClubCoordinator,
  clubByCode,
  clubById,
  clubsOfRegions,
  createClub,
  deleteClub,
  inviteMember,
  joinClub,
  memberClubs,
  moveClub,
  removeClubCoordinator,
  renameClub,
  setCoordinatorPhone,
} from "../../src/domain/clubs";
import { completeOnboarding, touchUser } from "../../src/domain/users";
import { testDatabases } from "../support/db";

async function person(db: Database, id: number, language: "kk" | "ru" = "kk") {
  await touchUser(db, id, false);
  await completeOnboarding(db, id, {
    language,
    regionCode: "almaty",
    interests: ["ecology"],
    consent: true,
    profile: { firstName: "P" },
  });
}

const newClub = (db: Database) =>
  createClub(db, {
    nameKk: "Күміс жас",
    nameRu: null,
    regionCode: "almaty",
    address: "Абай к-сі 10",
    latitude: 43.25,
    longitude: 76.95,
  });

describe.each(testDatabases)("club management in the database on $name", (kind) => {
  let database: DatabaseHandle;
  const db = () => database.db;
  const [coord, coord2, member, member2] = [9_810_000_001, 9_810_000_002, 9_810_000_003, 9_810_000_004];

  beforeAll(async () => {
    database = await kind.open();
    for (const id of [coord, coord2, member, member2]) await person(db(), id, id === member2 ? "ru" : "kk");
  });
  afterAll(() => database?.close());

  it("appoints without keeping anyone's phone, asks the coordinator once, and keeps only the phone they share", async () => {
    const club = await newClub(db());
    expect(await appointClubCoordinator(db(), club.id, coord)).toBe("appointed");
    expect(await appointClubCoordinator(db(), club.id, coord)).toBe("already");
    expect(await appointClubCoordinator(db(), club.id, 9_810_000_999)).toBe("not_user");
    const [seat] = await db().select().from(clubCoordinators).where(eq(clubCoordinators.clubId, club.id));
    expect(seat).toMatchObject({ phone: null, phoneSharedAt: null });
    const asks = await db()
      .select()
      .from(outbox)
      .where(like(outbox.idempotencyKey, `club-coord-ask:${club.id}:%`));
    expect(asks.map((a) => a.chatId)).toEqual([coord]);
    expect(JSON.stringify(asks[0]!.payload)).toContain("club.phone_share");

    expect(await setCoordinatorPhone(db(), club.id, coord, "+77011112233")).toBe(true);
    expect(await setCoordinatorPhone(db(), club.id, member, "+77010000000")).toBe(false); // not a coordinator
    const [shared] = await db().select().from(clubCoordinators).where(eq(clubCoordinators.clubId, club.id));
    expect(shared!.phone).toBe("+77011112233");
    expect(shared!.phoneSharedAt).toBeInstanceOf(Date);
    expect(await setCoordinatorPhone(db(), club.id, coord, null)).toBe(true);
    const [withdrawn] = await db().select().from(clubCoordinators).where(eq(clubCoordinators.clubId, club.id));
    expect(withdrawn).toMatchObject({ phone: null, phoneSharedAt: null });
  });

  it("renames (one name may go, not both) and moves (the pin stays unless a new one comes)", async () => {
    const club = await newClub(db());
    expect(await renameClub(db(), club.id, { nameKk: null, nameRu: null })).toBe(false);
    expect(await renameClub(db(), club.id, { nameKk: null, nameRu: "Серебряный возраст" })).toBe(true);
    expect(await moveClub(db(), club.id, "Сәтпаев к-сі 5")).toBe(true);
    expect(await clubById(db(), club.id)).toMatchObject({
      nameKk: null,
      nameRu: "Серебряный возраст",
      address: "Сәтпаев к-сі 5",
      latitude: 43.25,
    });
    expect(await moveClub(db(), club.id, "Сәтпаев к-сі 5", { latitude: 43.2, longitude: 76.9 })).toBe(true);
    expect((await clubById(db(), club.id))!.latitude).toBe(43.2);
  });

  it("removes coordinators, the last one too, and tells each once", async () => {
    const club = await newClub(db());
    await appointClubCoordinator(db(), club.id, coord);
    await appointClubCoordinator(db(), club.id, coord2);
    await setCoordinatorPhone(db(), club.id, coord, "+77011112233");
    expect(await removeClubCoordinator(db(), club.id, coord)).toBe(true);
    expect(await removeClubCoordinator(db(), club.id, coord)).toBe(false);
    expect(await removeClubCoordinator(db(), club.id, coord2)).toBe(true);
    expect(await db().select().from(clubCoordinators).where(eq(clubCoordinators.clubId, club.id))).toEqual([]);
    const notices = await db()
      .select()
      .from(outbox)
      .where(like(outbox.idempotencyKey, `club-coord-removed:${club.id}:%`));
    expect(notices.map((n) => n.chatId).sort()).toEqual([coord, coord2].sort());
  });

  it("a removed coordinator gets nothing more about the club: waiting notices of members' answers and the phone question go", async () => {
    const club = await newClub(db());
    await appointClubCoordinator(db(), club.id, coord);
    const meeting = (await addMeeting(db(), club.id, 3, 600))!;
    const other = await newClub(db());
    const otherMeeting = (await addMeeting(db(), other.id, 3, 600))!;
    await db()
      .insert(outbox)
      .values([
        {
          chatId: coord,
          payload: { text: "x" },
          idempotencyKey: `club-yes:${meeting.id}:2099-01-07:${member}:${coord}`,
        },
        // Another club's notice to the same person stays.
        {
          chatId: coord,
          payload: { text: "x" },
          idempotencyKey: `club-yes:${otherMeeting.id}:2099-01-07:${member}:${coord}`,
        },
      ]);
    expect(await removeClubCoordinator(db(), club.id, coord)).toBe(true);
    const waiting = await db()
      .select({ key: outbox.idempotencyKey })
      .from(outbox)
      .where(and(eq(outbox.chatId, coord), eq(outbox.state, "pending")));
    const keys = waiting.map((w) => w.key);
    expect(keys.some((k) => k.startsWith(`club-coord-ask:${club.id}:`))).toBe(false);
    expect(keys.some((k) => k.startsWith(`club-yes:${meeting.id}:`))).toBe(false);
    expect(keys).toContain(`club-yes:${otherMeeting.id}:2099-01-07:${member}:${coord}`);
    expect(keys.some((k) => k.startsWith(`club-coord-removed:${club.id}:`))).toBe(true);
  });

  it("asks only people who finished onboarding, and a deleted club takes no one in", async () => {
    const club = await newClub(db());
    const newcomer = 9_810_000_050;
    await touchUser(db(), newcomer, false); // pressed /start, never finished
    expect(await appointClubCoordinator(db(), club.id, newcomer)).toBe("not_user");
    expect(await inviteMember(db(), club, newcomer)).toBe("not_user");
    expect(await inviteMember(db(), club, member)).toBe("asked");
    expect(await deleteClub(db(), club.id)).toMatchObject({ status: "deleted" });
    // The invitation not sent yet is dropped with the club; joining or appointing now finds it gone.
    expect(
      await db()
        .select()
        .from(outbox)
        .where(eq(outbox.idempotencyKey, `club-ask:${club.id}:${member}`)),
    ).toEqual([]);
    expect(await joinClub(db(), club.id, member)).toBe("gone");
    expect(await appointClubCoordinator(db(), club.id, coord2)).toBe("gone");
    expect(await memberClubs(db(), member)).not.toContainEqual(expect.objectContaining({ id: club.id }));
  });

  it("deletes a club: members and coordinators told, meetings and unsent reminders stop, history stays", async () => {
    const club = await newClub(db());
    await appointClubCoordinator(db(), club.id, coord);
    await setCoordinatorPhone(db(), club.id, coord, "+77011112233");
    await db()
      .insert(clubMembers)
      .values([
        { clubId: club.id, userId: member },
        { clubId: club.id, userId: member2 },
      ]);
    const meeting = (await addMeeting(db(), club.id, 3, 600))!;
    await db()
      .insert(clubAnswers)
      .values({ meetingId: meeting.id, date: "2026-01-07", userId: member, attended: true });
    await db()
      .insert(outbox)
      .values({ chatId: member, payload: { text: "x" }, idempotencyKey: `club:${meeting.id}:20990107:${member}` });
    await db()
      .insert(outbox)
      .values({
        chatId: member2,
        payload: { text: "x" },
        idempotencyKey: `club-am:${meeting.id}:20990107:${member2}`,
        state: "sent",
      });

    const result = await deleteClub(db(), club.id);
    expect(result).toEqual({ status: "deleted", notified: 3 });
    expect(await deleteClub(db(), club.id)).toEqual({ status: "refused" });

    expect(await clubById(db(), club.id)).toBeUndefined();
    expect((await clubsOfRegions(db(), ["almaty"])).some((c) => c.id === club.id)).toBe(false);
    expect(await clubByCode(db(), club.joinCode!)).toBeUndefined();
    const [row] = await db().select().from(clubs).where(eq(clubs.id, club.id));
    expect(row).toMatchObject({ joinCode: null, inviteToken: null });
    expect(row!.deletedAt).toBeInstanceOf(Date);
    expect(await db().select().from(clubMembers).where(eq(clubMembers.clubId, club.id))).toEqual([]);
    expect(await db().select().from(clubCoordinators).where(eq(clubCoordinators.clubId, club.id))).toEqual([]);
    expect((await db().select().from(clubMeetings).where(eq(clubMeetings.clubId, club.id)))[0]!.active).toBe(false);
    // The unsent reminder is dropped, the sent one stays; the answer history stays.
    const reminders = await db()
      .select()
      .from(outbox)
      .where(like(outbox.idempotencyKey, `%:${meeting.id}:20990107:%`));
    expect(reminders.map((r) => r.state)).toEqual(["sent"]);
    expect(await db().select().from(clubAnswers).where(eq(clubAnswers.meetingId, meeting.id))).toHaveLength(1);
    const notices = await db()
      .select()
      .from(outbox)
      .where(like(outbox.idempotencyKey, `club-closed:${club.id}:%`));
    expect(notices.map((n) => n.chatId).sort()).toEqual([coord, member, member2].sort());
    const ru = notices.find((n) => n.chatId === member2)!.payload as { locale: string; params: { club: string } };
    expect(ru).toMatchObject({ locale: "ru", params: { club: "Күміс жас" } });
    expect(await renameClub(db(), club.id, { nameKk: "Жаңа", nameRu: null })).toBe(false);
  });
});
