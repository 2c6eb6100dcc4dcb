import { eq } from "drizzle-orm";
import type { Database } from "../../src/db/client";
import {
  actions,
  browseStates,
  calloutAnswers,
  callouts,
  emergencyProfiles,
  clubAnswers,
  clubCoordinators,
  clubMeetings,
  clubMembers,
  clubs,
  conversationStates,
  hourEntries,
  marathons,
  organizations,
  organizationMembers,
  coordinators,
  actionAlerts,
  organizationMutes,
  outbox,
  participations,
  users,
} from "../../src/db/schema";
import { enqueue } from "../../src/db/outbox";
import { creditAttendance, decideHours, localDay, reportHours } from "../../src/domain/hours";
import { joinMarathon, reportDeed } from "../../src/domain/marathons";
import { joinAction, leaveAction } from "../../src/domain/participation";
import { completeOnboarding, setFullName, touchUser } from "../../src/domain/users";
import { issueVolunteerBook } from "../../src/domain/volunteer-book";

const HOUR = 3_600_000;

export interface PersonFixture {
  /** An upcoming action with one spot, held by the person; `waiting` is on its waitlist. */
  fullActionId: number;
  bookCode: string;
}

/** A coordinator (may decide hours) with an organization: the staff side of the fixtures. */
export async function addCoordinator(db: Database, id: number): Promise<number> {
  await touchUser(db, id, false);
  await db.update(users).set({ role: "coordinator", language: "ru", onboardedAt: new Date() }).where(eq(users.id, id));
  const [org] = await db
    .insert(organizations)
    .values({ nameKk: "Жасыл Ел", ownerId: id, regionCode: "almaty", status: "approved" })
    .returning();
  await db.insert(organizationMembers).values({ organizationId: org!.id, userId: id, role: "owner" });
  return org!.id;
}

async function action(
  db: Database,
  organizationId: number,
  createdBy: number,
  startsAt: Date,
  capacity: number,
  title: string,
) {
  const [row] = await db
    .insert(actions)
    .values({
      organizationId,
      titleRu: title,
      category: "ecology",
      regionCode: "almaty",
      latitude: 43.25,
      longitude: 76.95,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 2 * HOUR),
      capacity,
      hours: 3,
      createdBy,
    })
    .returning({ id: actions.id });
  return row!.id;
}

/**
 * Fills every personal and account column for a person, through the domain where it can: the profile (names and
 * username carry `marker`), a search session, an upcoming full action (with `waiting` on its waitlist when given),
 * an attended past action, a self-report with organization and note, a marathon deed with a photo, a volunteer
 * book, a conversation state and a message waiting in the outbox.
 */
export async function fillPersonalData(
  db: Database,
  person: {
    id: number;
    marker: string;
    language: "kk" | "ru";
    coordinator: number;
    organizationId: number;
    waiting?: number;
    /** A made-up conversation state row (not one the plugin can read: leave it out when a bot runs). */
    conversationState?: boolean;
  },
  now = new Date(),
): Promise<PersonFixture> {
  const { id, marker, coordinator, organizationId } = person;
  await touchUser(db, id, false);
  await completeOnboarding(db, id, {
    language: person.language,
    regionCode: "almaty",
    interests: ["ecology", "education"],
    consent: true,
    profile: { firstName: `${marker} First`, lastName: `${marker} Last`, username: `${marker}_nick` },
    location: { latitude: 43.2, longitude: 76.9 },
  });
  await db
    .insert(browseStates)
    .values({
      userId: id,
      latitude: 43.21,
      longitude: 76.91,
      originAt: now,
      category: "ecology",
      categories: ["ecology", "health"],
      period: "week",
      awaitingLocationFor: "search",
    })
    .onConflictDoNothing();

  const fullActionId = await action(
    db,
    organizationId,
    coordinator,
    new Date(now.getTime() + 48 * HOUR),
    1,
    `Full ${id}`,
  );
  await joinAction(db, fullActionId, id, now);
  if (person.waiting !== undefined) await joinAction(db, fullActionId, person.waiting, now);

  // An action the person joined and left (participations.left_from, kept for Undo).
  const leftActionId = await action(
    db,
    organizationId,
    coordinator,
    new Date(now.getTime() + 72 * HOUR),
    10,
    `Left ${id}`,
  );
  await joinAction(db, leftActionId, id, now);
  await leaveAction(db, leftActionId, id, now);

  const pastActionId = await action(
    db,
    organizationId,
    coordinator,
    new Date(now.getTime() - 30 * HOUR),
    10,
    `Past ${id}`,
  );
  await db.insert(participations).values({ actionId: pastActionId, userId: id, status: "joined" });
  await creditAttendance(db, { actionId: pastActionId, userId: id, organizerId: coordinator }, now);

  const entry = await reportHours(
    db,
    {
      userId: id,
      organizationName: `${marker} Org`,
      category: "education",
      date: localDay(now),
      hours: 2,
      note: `${marker} note`,
      idempotencyKey: `${marker}-hours-step`,
    },
    now,
  );
  await decideHours(db, entry.id, coordinator, "confirmed", now);
  const refused = await reportHours(
    db,
    {
      userId: id,
      organizationName: `${marker} Other org`,
      date: localDay(now),
      hours: 1,
      idempotencyKey: `${marker}-refused-step`,
    },
    now,
  );
  await decideHours(db, refused.id, coordinator, "rejected", now);
  await db
    .update(hourEntries)
    .set({ rejectReason: `no such activity on that day (${marker})` })
    .where(eq(hourEntries.id, refused.id));

  const [marathon] = await db
    .insert(marathons)
    .values({
      code: `m${id}`,
      titleKk: "Марафон",
      titleRu: "Марафон",
      startsAt: new Date(now.getTime() - 24 * HOUR),
      endsAt: new Date(now.getTime() + 24 * HOUR),
    })
    .returning({ id: marathons.id });
  await joinMarathon(db, marathon!.id, id, now);
  await reportDeed(
    db,
    {
      marathonId: marathon!.id,
      userId: id,
      text: `${marker} deed`,
      photoFileId: `${marker}-photo`,
      idempotencyKey: `${marker}-deed-step`,
    },
    now,
  );

  await setFullName(db, id, `${marker} Full Name`);
  const book = await issueVolunteerBook(db, id, "all", now);
  if (book.status !== "issued") throw new Error("fixture: no book");

  // The person is staff too (an organizer): their chat has its own command menu.
  await db.update(users).set({ commandMenu: "organizer:kk" }).where(eq(users.id, id));
  if (person.conversationState !== false) {
    await db.insert(conversationStates).values({
      key: String(id),
      state: { version: 1, log: [{ from: { id, last_name: `${marker} Last` }, text: `${marker} typed` }] },
    });
  }
  await enqueue(db, {
    chatId: id,
    idempotencyKey: `fixture:${id}`,
    batch: `broadcast-${id}`,
    content: { text: `${marker} waiting message` },
  });
  // As if a first attempt had failed: Telegram's answer is kept for the retry.
  await db
    .update(outbox)
    .set({ lastError: "429: Too Many Requests" })
    .where(eq(outbox.idempotencyKey, `fixture:${id}`));
  // A notice about the person in someone else's chat (a club member's name in the coordinator's chat).
  await enqueue(db, {
    chatId: coordinator,
    idempotencyKey: `club-yes:fixture:${id}`,
    aboutUserId: id,
    content: { text: `${marker} will come to the meeting` },
  });
  // The organizer side: an application with the person's phone, a membership, a coordinator seat, an alert, a mute.
  const [own] = await db
    .insert(organizations)
    .values({ nameRu: `Org of ${id}`, ownerId: id, regionCode: "almaty", phone: `+7 ${marker} phone` })
    .returning({ id: organizations.id });
  await db.insert(organizationMembers).values({ organizationId: own!.id, userId: id, role: "owner" });
  await db.insert(coordinators).values({ userId: id, regionCode: "almaty" });
  await db.insert(actionAlerts).values({ userId: id, actionId: fullActionId });
  await db.insert(organizationMutes).values({ userId: id, organizationId });
  // Emergency readiness with the person's phone, and an answer to a call-out.
  await db
    .insert(emergencyProfiles)
    .values({ userId: id, skills: ["first_aid", "driver"], mobileGroup: true, phone: `+7 ${marker} mobile` });
  const [callout] = await db
    .insert(callouts)
    .values({
      regionCode: "almaty",
      needed: 3,
      meetingLatitude: 43.2,
      meetingLongitude: 76.9,
      meetAt: new Date(now.getTime() + 2 * HOUR),
      text: "Flood",
      createdBy: coordinator,
    })
    .returning({ id: callouts.id });
  await db.insert(calloutAnswers).values({ calloutId: callout!.id, userId: id, answer: "coming" });
  // The club side: a membership, an answer for a meeting, a club coordinator seat with the phone of their contact.
  const [club] = await db
    .insert(clubs)
    .values({ nameRu: `Club of ${id}`, regionCode: "almaty", address: "ул. Абая, 1" })
    .returning({ id: clubs.id });
  const [meeting] = await db
    .insert(clubMeetings)
    .values({ clubId: club!.id, weekday: 3, startMinute: 600 })
    .returning({ id: clubMeetings.id });
  await db.insert(clubMembers).values({ clubId: club!.id, userId: id });
  await db.insert(clubAnswers).values({ meetingId: meeting!.id, date: "2026-01-07", userId: id, answer: "yes" });
  await db.insert(clubCoordinators).values({ clubId: club!.id, userId: id, phone: `+7 ${marker} club phone` });
  return { fullActionId, bookCode: book.book.code };
}
