import { and, eq, inArray } from "drizzle-orm";
import type { Executor } from "../db/client";
import { actions, coordinators, type MemberRole, organizationMembers, organizations } from "../db/schema";

/**
 * Who may do what, decided on the server for every command and button press from the presser's id and the object's
 * id, never from what callback data claims. National admins come from ADMIN_IDS (passed in as a set).
 */
export interface Staff {
  userId: number;
  admin: boolean;
  /** Regions the user coordinates (front office). */
  regions: string[];
  /** Approved organizations the user belongs to. */
  organizations: Array<{ id: number; role: MemberRole }>;
}

export async function staffOf(db: Executor, userId: number, adminIds: ReadonlySet<number>): Promise<Staff> {
  const [regionRows, orgRows] = await Promise.all([
    db.select({ regionCode: coordinators.regionCode }).from(coordinators).where(eq(coordinators.userId, userId)),
    db
      .select({ id: organizationMembers.organizationId, role: organizationMembers.role })
      .from(organizationMembers)
      .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
      .where(and(eq(organizationMembers.userId, userId), eq(organizations.status, "approved"))),
  ]);
  return {
    userId,
    admin: adminIds.has(userId),
    regions: regionRows.map((r) => r.regionCode),
    organizations: orgRows,
  };
}

export const isOrganizer = (staff: Staff) => staff.organizations.length > 0;

/** A member (owner or organizer) of this approved organization. */
export function actsFor(staff: Staff, organizationId: number): boolean {
  return staff.organizations.some((o) => o.id === organizationId);
}

export function ownsOrganization(staff: Staff, organizationId: number): boolean {
  return staff.organizations.some((o) => o.id === organizationId && o.role === "owner");
}

/** Admins everywhere; coordinators in their regions. */
export function coordinates(staff: Staff, regionCode: string | null): boolean {
  return staff.admin || (regionCode !== null && staff.regions.includes(regionCode));
}

/**
 * The action, when this user may manage it (edit, cancel, check-in, attendance, participants): a member of the
 * action's organization. Undefined for anyone else and for ids that do not exist.
 */
export async function manageableAction(db: Executor, staff: Staff, actionId: number) {
  if (!Number.isSafeInteger(actionId) || actionId <= 0 || actionId > 2_147_483_647) return undefined;
  const orgIds = staff.organizations.map((o) => o.id);
  if (orgIds.length === 0) return undefined;
  const [row] = await db
    .select()
    .from(actions)
    .where(and(eq(actions.id, actionId), inArray(actions.organizationId, orgIds)))
    .limit(1);
  return row;
}
