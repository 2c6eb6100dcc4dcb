import { eq } from "drizzle-orm";
import type { Database } from "../../src/db/client";
import { actions, organizationMembers, organizations } from "../../src/db/schema";
import { actionChanged, actionPublished } from "../../src/domain/action-events";

/** An approved organization with its owner (straight into the database: applications are tested elsewhere). */
export async function addOrganization(
  db: Database,
  init: { ownerId: number; nameKk?: string | null; nameRu?: string | null; regionCode?: string },
): Promise<number> {
  const [org] = await db
    .insert(organizations)
    .values({
      nameKk: init.nameKk === undefined ? "Жасыл қала" : init.nameKk,
      nameRu: init.nameRu === undefined ? "Зелёный город" : init.nameRu,
      regionCode: init.regionCode ?? "almaty",
      status: "approved",
      ownerId: init.ownerId,
      verifiedAt: new Date(),
    })
    .returning({ id: organizations.id });
  await db.insert(organizationMembers).values({ organizationId: org!.id, userId: init.ownerId, role: "owner" });
  return org!.id;
}

export interface ActionInit {
  organizationId: number;
  createdBy?: number;
  titleKk?: string | null;
  titleRu?: string | null;
  category?: string;
  regionCode?: string;
  capacity?: number | null;
  startsAt?: Date;
  latitude?: number;
  longitude?: number;
  hasPin?: boolean;
}

/** An action published as the authoring flow does it: the row, then actionPublished in the same transaction. */
export async function publishAction(db: Database, init: ActionInit, now = new Date()): Promise<number> {
  return db.transaction(async (tx) => {
    const startsAt = init.startsAt ?? new Date(now.getTime() + 3 * 86_400_000);
    const [row] = await tx
      .insert(actions)
      .values({
        organizationId: init.organizationId,
        createdBy: init.createdBy ?? null,
        titleKk: init.titleKk === undefined ? "Саябақты тазалау" : init.titleKk,
        titleRu: init.titleRu === undefined ? "Уборка парка" : init.titleRu,
        addressKk: "Алматы, Абай даңғылы 1",
        addressRu: "Алматы, проспект Абая 1",
        category: init.category ?? "ecology",
        regionCode: init.regionCode ?? "almaty",
        latitude: init.latitude ?? 43.24,
        longitude: init.longitude ?? 76.95,
        hasPin: init.hasPin ?? true,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3 * 3_600_000),
        capacity: init.capacity === undefined ? 10 : init.capacity,
        status: "published",
        publishedAt: now,
      })
      .returning({ id: actions.id });
    await actionPublished(tx, row!.id, now);
    return row!.id;
  });
}

/** Cancels an action as the authoring flow does: the row, then actionChanged in the same transaction. */
export async function cancelAction(db: Database, actionId: number, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(actions)
      .set({ status: "cancelled", cancelReason: "погода", updatedAt: now })
      .where(eq(actions.id, actionId));
    await actionChanged(tx, actionId, now);
  });
}
