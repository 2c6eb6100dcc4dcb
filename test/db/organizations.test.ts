import { eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, type DatabaseHandle, openDatabase } from "../../src/db/client";
import { coordinators, organizationMembers, organizations, outbox, users } from "../../src/db/schema";
import {
  applyForOrganization,
  decideApplication,
  inviteToken,
  isValidBin,
  joinByInvite,
  removeMember,
} from "../../src/domain/organizations";
import { completeOnboarding, touchUser } from "../../src/domain/users";
import { testDatabases } from "../support/db";
import { describeOnPostgres } from "../support/postgres-only";

const ADMINS = new Set([9_400_000_001]);

async function person(db: Database, id: number, language: "kk" | "ru" = "ru", regionCode = "almaty") {
  await touchUser(db, id, false);
  await completeOnboarding(db, id, {
    language,
    regionCode,
    interests: [],
    consent: true,
    profile: { firstName: `P${id % 1000}` },
  });
}

const application = (ownerId: number, name = "Фонд") => ({
  ownerId,
  nameRu: name,
  kind: "ngo" as const,
  regionCode: "almaty",
  phone: "+77011234567",
  description: "Помогаем",
});

async function setUp(db: Database, base: number) {
  const applicant = base + 1;
  const coordinatorA = base + 2;
  const coordinatorB = base + 3;
  for (const id of [applicant, coordinatorA, coordinatorB]) await person(db, id);
  await db.insert(coordinators).values([
    { userId: coordinatorA, regionCode: "almaty" },
    { userId: coordinatorB, regionCode: "almaty" },
  ]);
  const { id } = await applyForOrganization(db, application(applicant), ADMINS);
  return { applicant, coordinatorA, coordinatorB, id };
}

/** Both coordinators decide at once, through the given handles: exactly one decision counts. */
async function decideTwiceAtOnce(first: Database, second: Database, base: number, db: Database) {
  const { applicant, coordinatorA, coordinatorB, id } = await setUp(db, base);
  const outcomes = await Promise.all([
    decideApplication(
      first,
      { organizationId: id, deciderId: coordinatorA, adminIds: ADMINS, locale: "ru" },
      {
        approve: true,
      },
    ),
    decideApplication(
      second,
      { organizationId: id, deciderId: coordinatorB, adminIds: ADMINS, locale: "ru" },
      {
        approve: false,
        reason: "нет",
      },
    ),
  ]);
  expect(outcomes.filter((o) => o.decided)).toHaveLength(1);
  const winner = outcomes.find((o) => o.decided)!;
  const loser = outcomes.find((o) => !o.decided)!;
  expect(loser.status).toBe(winner.status);
  const [row] = await db.select().from(organizations).where(eq(organizations.id, id));
  expect(row!.status).toBe(winner.status);
  const members = await db.select().from(organizationMembers).where(eq(organizationMembers.organizationId, id));
  expect(members).toHaveLength(winner.status === "approved" ? 1 : 0);
  const told = await db
    .select()
    .from(outbox)
    .where(like(outbox.idempotencyKey, `org-decided:${id}`));
  expect(told).toHaveLength(1);
  expect(told[0]!.chatId).toBe(applicant);
}

describe.each(testDatabases)("organizations on $name", (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await kind.open();
    await person(database.db, [...ADMINS][0]!);
  });
  afterAll(() => database?.close());

  it("validates a BIN with its check digit", () => {
    expect(isValidBin("050140001238")).toBe(true);
    expect(isValidBin("050140001237")).toBe(false);
    expect(isValidBin("12345678901")).toBe(false);
    expect(isValidBin("12345678901a")).toBe(false);
  });

  it("notifies the region's coordinators and the admins, and refuses a second pending application", async () => {
    const db = database.db;
    const { id, applicant, coordinatorA, coordinatorB } = await setUp(db, 9_400_001_000);
    const keys = (
      await db
        .select()
        .from(outbox)
        .where(like(outbox.idempotencyKey, `org-apply:${id}:%`))
    )
      .map((r) => r.chatId)
      .sort();
    expect(keys).toEqual([...ADMINS, coordinatorA, coordinatorB].sort());
    await expect(applyForOrganization(db, application(applicant, "Другой"), ADMINS)).rejects.toThrow("already_pending");
    // The same application again (a replay) finds the stored row
    expect((await applyForOrganization(db, application(applicant), ADMINS)).id).toBe(id);
  });

  it("lets only a coordinator of the region or an admin decide", async () => {
    const db = database.db;
    const { id } = await setUp(db, 9_400_002_000);
    const far = 9_400_002_009;
    await person(db, far, "kk", "astana");
    await db.insert(coordinators).values({ userId: far, regionCode: "astana" });
    await expect(
      decideApplication(db, { organizationId: id, deciderId: far, adminIds: ADMINS, locale: "kk" }, { approve: true }),
    ).rejects.toThrow("forbidden");
    // Not even a coordinator of the region decides their own application
    const own = 9_400_002_008;
    await person(db, own);
    await db.insert(coordinators).values({ userId: own, regionCode: "almaty" });
    const mine = await applyForOrganization(db, application(own, "Своя"), ADMINS);
    await expect(
      decideApplication(
        db,
        { organizationId: mine.id, deciderId: own, adminIds: ADMINS, locale: "ru" },
        {
          approve: true,
        },
      ),
    ).rejects.toThrow("forbidden");
    const [row] = await db.select().from(organizations).where(eq(organizations.id, id));
    expect(row!.status).toBe("pending");
    const admin = [...ADMINS][0]!;
    const outcome = await decideApplication(
      db,
      { organizationId: id, deciderId: admin, adminIds: ADMINS, locale: "kk" },
      { approve: true },
    );
    expect(outcome).toMatchObject({ decided: true, status: "approved" });
  });

  it("counts two decisions at the same moment once", async () => {
    await decideTwiceAtOnce(database.db, database.db, 9_400_003_000, database.db);
  });

  it("joins by invite once, only the owner makes links or removes, never themselves", async () => {
    const db = database.db;
    const { id, applicant, coordinatorA } = await setUp(db, 9_400_004_000);
    await decideApplication(
      db,
      { organizationId: id, deciderId: coordinatorA, adminIds: ADMINS, locale: "ru" },
      { approve: true },
    );
    const joiner = 9_400_004_009;
    await person(db, joiner);
    await expect(inviteToken(db, id, joiner)).rejects.toThrow("forbidden");
    const token = await inviteToken(db, id, applicant);
    expect(await inviteToken(db, id, applicant)).toBe(token);
    await joinByInvite(db, token, joiner, "ru");
    await expect(joinByInvite(db, token, joiner, "ru")).rejects.toThrow("already_member");
    expect((await db.select().from(users).where(eq(users.id, joiner)))[0]!.role).toBe("organizer");
    await expect(removeMember(db, { organizationId: id, ownerId: joiner, memberId: applicant })).rejects.toThrow(
      "forbidden",
    );
    await expect(removeMember(db, { organizationId: id, ownerId: applicant, memberId: applicant })).rejects.toThrow(
      "owner_cannot_leave",
    );
    expect(await removeMember(db, { organizationId: id, ownerId: applicant, memberId: joiner })).toEqual({
      removed: true,
    });
    const renewed = await inviteToken(db, id, applicant, true);
    expect(renewed).not.toBe(token);
    await expect(joinByInvite(db, token, joiner, "ru")).rejects.toThrow("not_found");
  });
});

describeOnPostgres("two coordinators deciding on two connections", (fresh) => {
  let first: DatabaseHandle;
  let second: DatabaseHandle;
  beforeAll(async () => {
    first = await openDatabase({ url: fresh.url, max: 3 });
    second = await openDatabase({ url: fresh.url, max: 3 });
    await first.migrate();
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  it("count one decision, however often they race", async () => {
    for (let round = 0; round < 5; round++) {
      await decideTwiceAtOnce(first.db, second.db, 9_400_100_000 + round * 100, first.db);
    }
  });
});
