import { eq } from "drizzle-orm";
import type { DatabaseHandle } from "../../src/db/client";
import { actions, participations } from "../../src/db/schema";

const NOW = new Date("2026-03-11T05:00:00Z");
const HOUR = 3600_000;

/** A published action two days after NOW (test/db/participation.test.ts's clock) unless told otherwise. */
export async function addAction(
  database: DatabaseHandle,
  values: Partial<typeof actions.$inferInsert> = {},
): Promise<number> {
  const startsAt = values.startsAt ?? new Date(NOW.getTime() + 48 * HOUR);
  const [row] = await database.db
    .insert(actions)
    .values({
      titleRu: "Таза Алматы <clean-up> & picnic",
      category: "ecology",
      latitude: 43.238,
      longitude: 76.9452,
      capacity: 2,
      ...values,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3 * HOUR),
    })
    .returning({ id: actions.id });
  return row!.id;
}

/** The action's counter and its participation rows by status: they must agree. */
export async function counts(database: DatabaseHandle, actionId: number) {
  const [action] = await database.db.select().from(actions).where(eq(actions.id, actionId));
  const rows = await database.db.select().from(participations).where(eq(participations.actionId, actionId));
  return {
    participantsCount: action!.participantsCount,
    joined: rows.filter((r) => r.status === "joined").length,
    waitlisted: rows.filter((r) => r.status === "waitlisted").length,
  };
}
