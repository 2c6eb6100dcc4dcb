import { eq, sql } from "drizzle-orm";
import type { Executor } from "../db/client";
import { EMERGENCY_SKILLS, type EmergencySkill, emergencyProfiles } from "../db/schema";

export { EMERGENCY_SKILLS, type EmergencySkill };

export type EmergencyProfile = typeof emergencyProfiles.$inferSelect;

export const isEmergencySkill = (value: string | undefined): value is EmergencySkill =>
  (EMERGENCY_SKILLS as readonly string[]).includes(value ?? "");

/** The volunteer's readiness; undefined until they first set something. */
export async function findEmergencyProfile(db: Executor, userId: number): Promise<EmergencyProfile | undefined> {
  const [row] = await db.select().from(emergencyProfiles).where(eq(emergencyProfiles.userId, userId));
  return row;
}

async function upsert(
  db: Executor,
  userId: number,
  values: Partial<Omit<typeof emergencyProfiles.$inferInsert, "userId">>,
): Promise<EmergencyProfile> {
  const now = new Date();
  const [row] = await db
    .insert(emergencyProfiles)
    .values({ userId, ...values, updatedAt: now })
    .onConflictDoUpdate({ target: emergencyProfiles.userId, set: { ...values, updatedAt: now } })
    .returning();
  return row!;
}

/** Adds the skill, or takes it away when it is there (one statement: two quick presses cannot lose one). */
export async function toggleEmergencySkill(db: Executor, userId: number, skill: EmergencySkill) {
  const [row] = await db
    .insert(emergencyProfiles)
    .values({ userId, skills: [skill] })
    .onConflictDoUpdate({
      target: emergencyProfiles.userId,
      set: {
        skills: sql`case when ${skill} = any(${emergencyProfiles.skills})
          then array_remove(${emergencyProfiles.skills}, ${skill}) else array_append(${emergencyProfiles.skills}, ${skill}) end`,
        updatedAt: new Date(),
      },
    })
    .returning();
  return row!;
}

export const setMobileGroup = (db: Executor, userId: number, mobileGroup: boolean) =>
  upsert(db, userId, { mobileGroup });

export const setEmergencyPaused = (db: Executor, userId: number, paused: boolean) =>
  upsert(db, userId, { pausedAt: paused ? new Date() : null });

/** A phone number as Telegram's contact gives it, kept as "+digits"; undefined when it is not one. */
export function normalizePhone(raw: string | undefined): string | undefined {
  const digits = (raw ?? "").replace(/[\s()-]/g, "").replace(/^\+/, "");
  return /^\d{7,15}$/.test(digits) ? `+${digits}` : undefined;
}

export const setEmergencyPhone = (db: Executor, userId: number, phone: string | null) => upsert(db, userId, { phone });

/** Consent withdrawn or account deleted: the whole readiness goes (skills, group, phone). */
export async function forgetEmergencyProfile(db: Executor, userId: number): Promise<void> {
  await db.delete(emergencyProfiles).where(eq(emergencyProfiles.userId, userId));
}
