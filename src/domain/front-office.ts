import { randomBytes } from "node:crypto";
import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Database, Executor } from "../db/client";
import { enqueue, notifyEnqueued } from "../db/outbox";
import { callouts, coordinatorInvites, coordinators, regions, users } from "../db/schema";
import type { Locale } from "../i18n";
import { type Audience, audienceSize as broadcastAudienceSize, insertBroadcast } from "./broadcasts";
import { scheduleTallyEdit } from "./callouts";
import { isCategory } from "./categories";

/**
 * Front offices: national admins (ADMIN_IDS) appoint and remove regional coordinators, by the person's id (a shared
 * contact or a forwarded message) or by a one-time invite link; coordinators and admins announce to a region's
 * volunteers. Every function that changes something checks on the server who asks.
 */

export class FrontOfficeError extends Error {
  constructor(readonly code: "forbidden" | "not_user" | "no_region" | "invite_invalid" | "already") {
    super(code);
    this.name = "FrontOfficeError";
  }
}

export const INVITE_TTL_MS = 7 * 86_400_000;
export const MAX_ANNOUNCEMENT = 3500;

function requireAdmin(adminIds: ReadonlySet<number>, userId: number): void {
  if (!adminIds.has(userId)) throw new FrontOfficeError("forbidden");
}

async function requireRegion(db: Executor, regionCode: string) {
  const [region] = await db.select().from(regions).where(eq(regions.code, regionCode));
  if (!region) throw new FrontOfficeError("no_region");
  return region;
}

/** The onboarded user with this Telegram id (only someone who started the bot can be appointed). */
export async function appointable(db: Executor, userId: number) {
  if (!Number.isSafeInteger(userId) || userId <= 0) return undefined;
  const [row] = await db
    .select({ id: users.id, firstName: users.firstName, username: users.username, language: users.language })
    .from(users)
    .where(and(eq(users.id, userId), sql`${users.onboardedAt} is not null`));
  return row;
}

/** Both sides hear of an appointment or a removal through the outbox. */
async function tell(
  tx: Executor,
  kind: "appointed" | "removed",
  input: { adminId: number; userId: number; regionCode: string; at: Date },
) {
  const region = await requireRegion(tx, input.regionCode);
  const [person] = await tx.select().from(users).where(eq(users.id, input.userId));
  const [admin] = await tx.select().from(users).where(eq(users.id, input.adminId));
  const name = (locale: "kk" | "ru") => (locale === "ru" ? region.nameRu : region.nameKk);
  const who = person?.firstName ?? (person?.username ? `@${person.username}` : String(input.userId));
  const personLocale = person?.language === "ru" ? "ru" : "kk";
  const adminLocale = admin?.language === "ru" ? "ru" : "kk";
  const stamp = input.at.getTime();
  await enqueue(tx, [
    {
      chatId: input.userId,
      idempotencyKey: `fo:${kind}:${input.regionCode}:${input.userId}:${stamp}`,
      content: {
        template: `front_office.you_${kind}`,
        params: { region: name(personLocale) },
        locale: personLocale,
      },
    },
    ...(input.adminId === input.userId
      ? []
      : [
          {
            chatId: input.adminId,
            idempotencyKey: `fo:${kind}:${input.regionCode}:${input.userId}:${stamp}:admin`,
            aboutUserId: input.userId,
            content: {
              template: `front_office.admin_${kind}`,
              params: { region: name(adminLocale), who },
              locale: adminLocale,
            } as const,
          },
        ]),
  ]);
}

/** An admin makes an onboarded user a coordinator of a region; false when they already were. */
export async function appointCoordinator(
  db: Database,
  input: { adminId: number; adminIds: ReadonlySet<number>; userId: number; regionCode: string },
  now = new Date(),
): Promise<boolean> {
  requireAdmin(input.adminIds, input.adminId);
  return db.transaction(async (tx) => {
    await requireRegion(tx, input.regionCode);
    if (!(await appointable(tx, input.userId))) throw new FrontOfficeError("not_user");
    const added = await tx
      .insert(coordinators)
      .values({ userId: input.userId, regionCode: input.regionCode, appointedBy: input.adminId, appointedAt: now })
      .onConflictDoNothing()
      .returning();
    if (added.length === 0) return false;
    await tell(tx, "appointed", { ...input, at: now });
    return true;
  });
}

/** An admin removes a coordinator of a region; false when they were not one. */
export async function removeCoordinator(
  db: Database,
  input: { adminId: number; adminIds: ReadonlySet<number>; userId: number; regionCode: string },
  now = new Date(),
): Promise<boolean> {
  requireAdmin(input.adminIds, input.adminId);
  return db.transaction(async (tx) => {
    const removed = await tx
      .delete(coordinators)
      .where(and(eq(coordinators.userId, input.userId), eq(coordinators.regionCode, input.regionCode)))
      .returning();
    if (removed.length === 0) return false;
    await tell(tx, "removed", { ...input, at: now });
    // The tallies of their open call-outs stop at once (one line replaces each; see scheduleTallyEdit). The
    // call-outs stay open: the region's other coordinators and the admins manage and close them.
    const open = await tx
      .select({ id: callouts.id })
      .from(callouts)
      .where(and(eq(callouts.tallyChatId, input.userId), eq(callouts.status, "open")));
    for (const { id } of open) await scheduleTallyEdit(tx, id, input.adminIds, now);
    return true;
  });
}

export interface CoordinatorRow {
  userId: number;
  regionCode: string;
  firstName: string | null;
  username: string | null;
}

/** Every coordinator, by region (in the regions' order), then by appointment. */
export async function listCoordinators(db: Executor, regionCode?: string): Promise<CoordinatorRow[]> {
  return db
    .select({
      userId: coordinators.userId,
      regionCode: coordinators.regionCode,
      firstName: users.firstName,
      username: users.username,
    })
    .from(coordinators)
    .innerJoin(users, eq(users.id, coordinators.userId))
    .innerJoin(regions, eq(regions.code, coordinators.regionCode))
    .where(regionCode ? eq(coordinators.regionCode, regionCode) : undefined)
    .orderBy(asc(regions.position), asc(coordinators.appointedAt), asc(coordinators.userId));
}

// ----- invite links f_<token> --------------------------------------------------------------------------------------

/** A new one-time invite of a region, valid for a week. */
export async function createCoordinatorInvite(
  db: Executor,
  input: { adminId: number; adminIds: ReadonlySet<number>; regionCode: string },
  now = new Date(),
): Promise<string> {
  requireAdmin(input.adminIds, input.adminId);
  await requireRegion(db, input.regionCode);
  const token = randomBytes(12).toString("base64url");
  await db.insert(coordinatorInvites).values({
    token,
    regionCode: input.regionCode,
    createdBy: input.adminId,
    expiresAt: new Date(now.getTime() + INVITE_TTL_MS),
    createdAt: now,
  });
  return token;
}

const validToken = (token: string) => /^[A-Za-z0-9_-]{10,40}$/.test(token);

/** The region of an unused, unexpired invite (undefined otherwise). */
export async function coordinatorInvite(db: Executor, token: string, now = new Date()) {
  if (!validToken(token)) return undefined;
  const [row] = await db
    .select({ regionCode: coordinatorInvites.regionCode, createdBy: coordinatorInvites.createdBy })
    .from(coordinatorInvites)
    .where(
      and(
        eq(coordinatorInvites.token, token),
        isNull(coordinatorInvites.usedAt),
        gt(coordinatorInvites.expiresAt, now),
      ),
    );
  return row;
}

/** Uses an invite: the opener becomes a coordinator of its region (once; a second opener finds it used). */
export async function acceptCoordinatorInvite(
  db: Database,
  token: string,
  userId: number,
  now = new Date(),
): Promise<{ regionCode: string }> {
  if (!validToken(token)) throw new FrontOfficeError("invite_invalid");
  return db.transaction(async (tx) => {
    const [invite] = await tx
      .update(coordinatorInvites)
      .set({ usedBy: userId, usedAt: now })
      .where(
        and(
          eq(coordinatorInvites.token, token),
          isNull(coordinatorInvites.usedAt),
          gt(coordinatorInvites.expiresAt, now),
        ),
      )
      .returning();
    if (!invite) throw new FrontOfficeError("invite_invalid");
    if (!(await appointable(tx, userId))) throw new FrontOfficeError("not_user");
    const added = await tx
      .insert(coordinators)
      .values({ userId, regionCode: invite.regionCode, appointedBy: invite.createdBy, appointedAt: now })
      .onConflictDoNothing()
      .returning();
    if (added.length === 0) throw new FrontOfficeError("already");
    await tell(tx, "appointed", { adminId: invite.createdBy, userId, regionCode: invite.regionCode, at: now });
    return { regionCode: invite.regionCode };
  });
}

// ----- announcements to a region's volunteers ----------------------------------------------------------------------

export interface AnnouncementAudience {
  regionCode: string;
  /** Categories; empty = everyone of the region. */
  interests: string[];
}

const regionAudience = (audience: AnnouncementAudience): Audience => ({
  kind: "region",
  regionCode: audience.regionCode,
  interests: audience.interests.filter(isCategory),
});

/** How many volunteers an announcement would reach. */
export async function audienceSize(db: Executor, audience: AnnouncementAudience): Promise<number> {
  return broadcastAudienceSize(db, null, regionAudience(audience), new Date());
}

/**
 * Sends an announcement: a broadcast without an organization (audience `region`), made by createBroadcast's statement
 * (normal priority, batch `bc:<id>`), so the progress job edits the sender's progress message and ends with the
 * report, and its Stop button works (for a coordinator of the region or an admin). Checked again here, in the same
 * transaction: a coordinator of the region or an admin. A replay with the same progress message (the conversation's
 * confirm step) returns the announcement made the first time.
 */
export async function announce(
  db: Database,
  input: {
    senderId: number;
    adminIds: ReadonlySet<number>;
    audience: AnnouncementAudience;
    text: string;
    progressChatId: number;
    progressMessageId: number;
    /** The conversation's key for this announcement (NewBroadcast.key). */
    key?: string;
    /** The sender's. */
    locale: Locale;
  },
  now = new Date(),
): Promise<{ id: number; total: number }> {
  const made = await db.transaction(async (tx) => {
    if (!input.adminIds.has(input.senderId)) {
      const [row] = await tx
        .select()
        .from(coordinators)
        .where(and(eq(coordinators.userId, input.senderId), eq(coordinators.regionCode, input.audience.regionCode)));
      if (!row) throw new FrontOfficeError("forbidden");
    }
    await requireRegion(tx, input.audience.regionCode);
    return insertBroadcast(
      tx,
      {
        organizationId: null,
        createdBy: input.senderId,
        audience: regionAudience(input.audience),
        text: input.text,
        progressChatId: input.progressChatId,
        progressMessageId: input.progressMessageId,
        key: input.key,
        locale: input.locale,
      },
      now,
    );
  });
  notifyEnqueued();
  return made;
}
