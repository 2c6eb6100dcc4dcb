import { sql } from "drizzle-orm";
import type { Executor } from "../../src/db/client";
import { actions, organizationMembers, organizations, participations, users } from "../../src/db/schema";

/** Volunteers straight into the table (the onboarding is tested elsewhere); consent given, quiet hours off. */
export async function addVolunteers(
  db: Executor,
  ids: number[],
  init: { language?: "kk" | "ru"; consent?: boolean; blocked?: boolean } = {},
): Promise<void> {
  for (let i = 0; i < ids.length; i += 5000) {
    await db
      .insert(users)
      .values(
        ids.slice(i, i + 5000).map((id) => ({
          id,
          language: init.language ?? "kk",
          firstName: "Самал",
          onboardedAt: new Date(),
          consentAt: init.consent === false ? null : new Date(),
          blockedAt: init.blocked ? new Date() : null,
          quietStartMinute: 0,
          quietEndMinute: 0,
        })),
      )
      .onConflictDoNothing();
  }
}

/** An approved organization with its members (the first one owns it). */
export async function addOrganization(
  db: Executor,
  init: { nameKk?: string; nameRu?: string; members: number[] },
): Promise<number> {
  const [org] = await db
    .insert(organizations)
    .values({
      nameKk: init.nameKk ?? null,
      nameRu: init.nameRu ?? null,
      status: "approved",
      ownerId: init.members[0],
      regionCode: "almaty",
    })
    .returning({ id: organizations.id });
  await db.insert(organizationMembers).values(
    init.members.map((userId, i) => ({
      organizationId: org!.id,
      userId,
      role: i === 0 ? ("owner" as const) : ("organizer" as const),
    })),
  );
  return org!.id;
}

export async function addOrganizationAction(
  db: Executor,
  organizationId: number,
  init: { titleKk?: string; titleRu?: string; startsAt?: Date } = {},
): Promise<number> {
  const startsAt = init.startsAt ?? new Date(Date.now() + 3 * 86_400_000);
  const [row] = await db
    .insert(actions)
    .values({
      organizationId,
      titleKk: init.titleKk ?? "Саябақты тазалау",
      titleRu: init.titleRu ?? "Уборка парка",
      category: "ecology",
      regionCode: "almaty",
      latitude: 43.24,
      longitude: 76.95,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3 * 3_600_000),
      capacity: null,
      status: "published",
    })
    .returning({ id: actions.id });
  return row!.id;
}

/** Participations written directly; keeps participants_count in step for the joined. */
export async function join(
  db: Executor,
  actionId: number,
  userIds: number[],
  options: { status?: "joined" | "waitlisted"; at?: Date } = {},
): Promise<void> {
  const status = options.status ?? "joined";
  for (let i = 0; i < userIds.length; i += 5000) {
    const slice = userIds.slice(i, i + 5000);
    await db
      .insert(participations)
      .values(slice.map((userId) => ({ actionId, userId, status, createdAt: options.at ?? new Date() })));
    if (status === "joined")
      await db.execute(
        sql`update actions set participants_count = participants_count + ${slice.length} where id = ${actionId}`,
      );
  }
}
