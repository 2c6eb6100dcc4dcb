import { expect } from "vitest";
import type { Database } from "../../src/db/client";
import {
  actions,
  anonymousHours,
  hourEntries,
  marathonDeeds,
  marathonParticipants,
  marathons,
  organizationMembers,
  organizations,
  participations,
} from "../../src/db/schema";
import { setQuietHours } from "../../src/domain/preferences";
import { localMonth } from "../../src/domain/stats";
import { completeOnboarding, touchUser } from "../../src/domain/users";

const DAY = 86_400_000;

async function person(db: Database, id: number, regionCode: string, language: "kk" | "ru" = "ru") {
  await touchUser(db, id, false);
  await completeOnboarding(db, id, {
    language,
    regionCode,
    interests: ["ecology"],
    consent: true,
    profile: { firstName: `P${id % 1000}` },
  });
  // Off, so an announcement to them arrives whatever the time of day (see onboardUser).
  await setQuietHours(db, id, { startMinute: 0, endMinute: 0 });
}

/** The first moment of a local month "YYYY-MM" (Asia/Almaty, UTC+5). */
const monthStart = (month: string) => new Date(`${month}-01T00:00:00+05:00`);

/**
 * Figures of Almaty (region A) and Astana (region B) relative to `now`, with what /stats must show for them. People
 * ids start at `base`.
 */
export async function seedStats(
  db: Database,
  base: number,
  now = new Date(),
  { a, b }: { a: string; b: string } = { a: "almaty", b: "astana" },
) {
  const thisMonth = localMonth(now);
  const lastMonth = localMonth(now, 1);
  const thisStart = monthStart(thisMonth);
  const lastStart = monthStart(lastMonth);
  const [v1, v2, v3, v4, owner, organizer, pendingOwner, astanaOwner, a1] = Array.from(
    { length: 9 },
    (_, i) => base + i + 1,
  );
  for (const id of [v1!, v2!, v3!, v4!, owner!, organizer!, pendingOwner!]) await person(db, id, a);
  for (const id of [astanaOwner!, a1!]) await person(db, id, b);

  const [orgA, orgPending, orgB] = await db
    .insert(organizations)
    .values([
      { status: "approved", nameKk: "Жасыл ел", nameRu: "Зелёная страна", regionCode: a, ownerId: owner },
      { status: "pending", nameRu: "Ждёт", regionCode: a, ownerId: pendingOwner },
      { status: "approved", nameRu: "Астана добро", regionCode: b, ownerId: astanaOwner },
    ])
    .returning();
  await db.insert(organizationMembers).values([
    { organizationId: orgA!.id, userId: owner!, role: "owner" },
    { organizationId: orgA!.id, userId: organizer!, role: "organizer" },
    { organizationId: orgPending!.id, userId: pendingOwner!, role: "owner" },
    { organizationId: orgB!.id, userId: astanaOwner!, role: "owner" },
  ]);

  const action = (values: Partial<typeof actions.$inferInsert> & { startsAt: Date }) => ({
    organizationId: orgA!.id,
    titleRu: "Субботник",
    category: "ecology",
    regionCode: a,
    latitude: 43.25,
    longitude: 76.9,
    endsAt: new Date(values.startsAt.getTime() + 2 * 3_600_000),
    hours: 3,
    ...values,
  });
  const [thisAction, lastAction] = await db
    .insert(actions)
    .values([
      action({ startsAt: new Date(thisStart.getTime() + DAY / 2) }),
      action({ startsAt: new Date(lastStart.getTime() + DAY) }),
      action({ startsAt: new Date(thisStart.getTime() + DAY), status: "cancelled" }),
      action({ startsAt: new Date(thisStart.getTime() + DAY), status: "draft" }),
      action({ startsAt: new Date(thisStart.getTime() + DAY), regionCode: b, organizationId: orgB!.id }),
    ])
    .returning();
  await db.insert(participations).values([
    { actionId: thisAction!.id, userId: v1!, status: "joined", checkedInAt: now },
    { actionId: thisAction!.id, userId: v2!, status: "joined" },
    { actionId: thisAction!.id, userId: v4!, status: "left", createdAt: new Date(now.getTime() - 100 * DAY) },
    { actionId: lastAction!.id, userId: v1!, status: "joined" },
  ]);
  const day = (at: Date) => new Date(at.getTime() + 5 * 3_600_000).toISOString().slice(0, 10);
  await db.insert(hourEntries).values([
    {
      userId: v1!,
      source: "attendance",
      actionId: lastAction!.id,
      category: "ecology",
      activityDate: day(lastAction!.startsAt),
      hours: 3,
      status: "confirmed",
    },
    {
      userId: v2!,
      source: "self",
      category: "social",
      activityDate: day(new Date(thisStart.getTime() + DAY / 2)),
      hours: 2.5,
      status: "confirmed",
    },
    {
      userId: v2!,
      source: "self",
      category: "social",
      activityDate: day(new Date(thisStart.getTime() + DAY / 2)),
      hours: 4,
      status: "pending",
    },
    {
      userId: a1!,
      source: "self",
      category: "health",
      activityDate: day(new Date(thisStart.getTime() + DAY / 2)),
      hours: 5,
      status: "confirmed",
    },
  ]);
  await db
    .insert(anonymousHours)
    .values({ month: thisMonth, regionCode: a, category: "health", hours: 1.5, entries: 1 });

  const [marathon] = await db
    .insert(marathons)
    .values({
      code: `m${base}`,
      regionCode: null,
      titleKk: "Игі істер марафоны",
      titleRu: "Марафон добрых дел",
      startsAt: new Date(now.getTime() - 10 * DAY),
      endsAt: new Date(now.getTime() + 10 * DAY),
    })
    .returning();
  await db.insert(marathonParticipants).values([
    { marathonId: marathon!.id, userId: v3! },
    { marathonId: marathon!.id, userId: a1! },
  ]);
  await db.insert(marathonDeeds).values([
    { marathonId: marathon!.id, userId: v3!, text: "помог", createdAt: new Date(now.getTime() - 2 * DAY) },
    { marathonId: marathon!.id, userId: v3!, text: "помог", createdAt: new Date(now.getTime() - DAY) },
    { marathonId: marathon!.id, userId: a1!, text: "помог", createdAt: new Date(now.getTime() - DAY) },
  ]);

  return {
    people: { v1: v1!, v2: v2!, v3: v3!, v4: v4!, owner: owner!, organizer: organizer!, a1: a1! },
    orgA: orgA!.id,
    thisMonth,
    lastMonth,
    almaty: {
      regionCode: a,
      volunteers: 3, // v1 (joined), v2 (joined, logged hours), v3 (deeds); v4 left 100 days ago
      organizers: 2,
      actionsThisMonth: 1,
      actionsLastMonth: 1,
      joinsThisMonth: 2,
      joinsLastMonth: 1,
      checkinsThisMonth: 1,
      checkinsLastMonth: 0,
      hours: 7,
    },
    almatyMonths: { [lastMonth]: 3, [thisMonth]: 4 },
    almatyCategories: [
      { category: "ecology", hours: 3 },
      { category: "social", hours: 2.5 },
      { category: "health", hours: 1.5 },
    ],
    astanaHours: 5,
    marathonTitleRu: "Марафон добрых дел",
  };
}

/** Width and height from a PNG's IHDR, after checking the signature. */
export function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString("ascii")).toBe("IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
