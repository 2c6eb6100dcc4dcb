import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import postgres from "postgres";
import { type Database, openDatabase } from "../../src/db/client";
import { actions, outbox, participations, users } from "../../src/db/schema";
import { rowsOf } from "../../src/db/client";

/** A fresh migrated PostgreSQL database whose URL other processes and pools can open too. */
export async function freshPostgresUrl(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `erikti_d_${randomBytes(6).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const target = new URL(serverUrl);
  target.pathname = `/${name}`;
  const url = target.toString();
  const migrator = await openDatabase({ url, max: 1 });
  await migrator.migrate();
  await migrator.close();
  return {
    url,
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

export interface UserInit {
  language?: "kk" | "ru";
  quiet?: false | { start: number; end: number };
  firstName?: string;
  reminder24h?: boolean;
  reminder2h?: boolean;
  paused?: boolean;
}

/** Onboarded users; quiet hours are off unless asked for, so tests do not depend on the time of day. */
export async function addUsers(db: Database, ids: number[], init: UserInit = {}): Promise<void> {
  const quiet = init.quiet === undefined || init.quiet === false ? { start: 0, end: 0 } : init.quiet;
  for (let i = 0; i < ids.length; i += 1000) {
    await db.insert(users).values(
      ids.slice(i, i + 1000).map((id) => ({
        id,
        language: init.language ?? "kk",
        firstName: init.firstName ?? null,
        onboardedAt: new Date(),
        quietStartMinute: quiet.start,
        quietEndMinute: quiet.end,
        reminder24h: init.reminder24h ?? true,
        reminder2h: init.reminder2h ?? true,
        pausedAt: init.paused ? new Date() : null,
      })),
    );
  }
}

export async function addAction(
  db: Database,
  init: { title?: string; startsAt: Date; capacity?: number; address?: string; status?: "published" | "cancelled" },
): Promise<number> {
  const [row] = await db
    .insert(actions)
    .values({
      titleRu: init.title ?? "Саябақты тазалау",
      category: "ecology",
      latitude: 43.24,
      longitude: 76.95,
      addressRu: init.address ?? "Алматы, Абай даңғылы 1",
      startsAt: init.startsAt,
      endsAt: new Date(init.startsAt.getTime() + 3 * 3_600_000),
      capacity: init.capacity ?? 100,
      status: init.status ?? "published",
    })
    .returning({ id: actions.id });
  return row!.id;
}

/** Participations written directly (the join rules are tested elsewhere); keeps participants_count in step. */
export async function addParticipants(
  db: Database,
  actionId: number,
  userIds: number[],
  options: { status?: "joined" | "waitlisted"; joinedAt?: Date } = {},
): Promise<void> {
  const status = options.status ?? "joined";
  for (let i = 0; i < userIds.length; i += 1000) {
    await db
      .insert(participations)
      .values(
        userIds
          .slice(i, i + 1000)
          .map((userId) => ({ actionId, userId, status, createdAt: options.joinedAt ?? new Date() })),
      );
  }
  if (status === "joined") {
    await db
      .update(actions)
      .set({ participantsCount: sql`${actions.participantsCount} + ${userIds.length}` })
      .where(eq(actions.id, actionId));
  }
}

export async function outboxStates(db: Database): Promise<Record<string, number>> {
  const rows = rowsOf<{ state: string; n: string | number }>(
    await db.execute(sql`select state, count(*) as n from ${outbox} group by state`),
  );
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
