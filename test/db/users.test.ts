import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, rowsOf } from "../../src/db/client";
import { RegionDirectory } from "../../src/domain/regions";
import {
  completeOnboarding,
  completeWithRegion,
  DomainError,
  findUser,
  giveConsent,
  markBlocked,
  setInterests,
  setLanguage,
  setRegion,
  touchUser,
  withdrawConsent,
} from "../../src/domain/users";
import { testDatabases } from "../support/db";

describe.each(testDatabases)("users and regions on $name", (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(() => database.close());

  it("seeds the 20 regions and enables cube + earthdistance", async () => {
    const regions = await RegionDirectory.load(database.db);
    expect(regions.all).toHaveLength(20);
    expect(regions.name(regions.get("astana")!, "kk")).toBe("Астана");
    const result = await database.db.execute(
      sql`select round(earth_distance(ll_to_earth(43.238, 76.9452), ll_to_earth(51.1694, 71.4491)) / 1000) as km`,
    );
    const rows = rowsOf<{ km: unknown }>(result);
    expect(Number(rows[0]!.km)).toBeGreaterThan(950);
    expect(Number(rows[0]!.km)).toBeLessThan(1000);
  });

  it("is idempotent when migrations run again", async () => {
    await database.migrate();
    expect((await RegionDirectory.load(database.db)).all).toHaveLength(20);
  });

  it("creates users with bigint ids and follows ADMIN_IDS both ways", async () => {
    const id = 7_000_000_001; // beyond 2^31
    expect((await touchUser(database.db, id, false)).role).toBe("volunteer");
    expect((await touchUser(database.db, id, true)).role).toBe("admin");
    expect((await touchUser(database.db, id, false)).role).toBe("volunteer");
    await markBlocked(database.db, id, true);
    expect((await findUser(database.db, id))!.blockedAt).not.toBeNull();
    expect((await touchUser(database.db, id, false)).blockedAt).toBeNull();
  });

  it("keeps nothing personal without consent", async () => {
    const id = 1001;
    await touchUser(database.db, id, false);
    const user = await completeOnboarding(database.db, id, {
      language: "ru",
      regionCode: "almaty",
      interests: ["ecology"],
      consent: false,
      location: { latitude: 43.2, longitude: 76.9 },
      profile: { firstName: "Ayan", username: "ayan" },
    });
    expect(user).toMatchObject({
      language: "ru",
      firstName: null,
      username: null,
      regionCode: null,
      interests: [],
      consentAt: null,
      latitude: null,
    });
    expect(user.onboardedAt).toBeInstanceOf(Date);
    await expect(setRegion(database.db, id, "astana")).rejects.toThrow("consent_required");
  });

  it("stores the profile with consent and erases it when consent is withdrawn", async () => {
    const id = 1002;
    await touchUser(database.db, id, false);
    await completeOnboarding(database.db, id, {
      language: "kk",
      regionCode: "almaty",
      interests: ["ecology", "animals"],
      consent: true,
      location: { latitude: 43.25, longitude: 76.95 },
      profile: { firstName: '<b>Ayan & "Co"</b>', username: "ayan" },
    });
    expect(await findUser(database.db, id)).toMatchObject({
      firstName: '<b>Ayan & "Co"</b>',
      regionCode: "almaty",
      interests: ["ecology", "animals"],
      latitude: 43.25,
    });
    expect((await setInterests(database.db, id, ["health", "nonsense", "health"])).interests).toEqual(["health"]);
    await withdrawConsent(database.db, id, new Set());
    const erased = await findUser(database.db, id);
    expect(erased).toMatchObject({
      firstName: null,
      regionCode: null,
      interests: [],
      latitude: null,
      consentAt: null,
      language: "kk",
    });
    await giveConsent(database.db, id, { firstName: "Ayan" });
    expect((await setRegion(database.db, id, "astana")).regionCode).toBe("astana");
    await setLanguage(database.db, id, "ru");
    expect((await findUser(database.db, id))!.language).toBe("ru");
  });

  it("completeWithRegion: a region onboards someone who consented, keeps an earlier onboarding, needs consent", async () => {
    const newcomer = 991_001;
    await touchUser(database.db, newcomer, false);
    // No consent: nothing is written.
    await expect(completeWithRegion(database.db, newcomer, "almaty", "ru")).rejects.toThrow(DomainError);
    expect(await findUser(database.db, newcomer)).toMatchObject({
      regionCode: null,
      onboardedAt: null,
      language: null,
    });
    await giveConsent(database.db, newcomer, { firstName: "Дина" });
    const done = await completeWithRegion(database.db, newcomer, "almaty", "ru");
    expect(done).toMatchObject({ regionCode: "almaty", language: "ru", interests: [], latitude: null });
    expect(done.onboardedAt).toBeInstanceOf(Date);

    // Onboarded before (consent declined then): only the region changes, the language and the mark stay.
    const declined = 991_002;
    await touchUser(database.db, declined, false);
    const before = await completeOnboarding(database.db, declined, {
      language: "kk",
      regionCode: "astana",
      interests: [],
      consent: false,
      profile: {},
    });
    await giveConsent(database.db, declined, {});
    const after = await completeWithRegion(database.db, declined, "kostanay", "ru");
    expect(after).toMatchObject({ regionCode: "kostanay", language: "kk" });
    expect(after.onboardedAt!.getTime()).toBe(before.onboardedAt!.getTime());
  });
});
