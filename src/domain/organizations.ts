import { randomBytes } from "node:crypto";
import { and, asc, count, eq, gt, inArray, sql } from "drizzle-orm";
import type { Database, Executor } from "../db/client";
import { enqueue } from "../db/outbox";
import {
  actions,
  coordinators,
  hourEntries,
  linkedChats,
  type Organization,
  type OrganizationKind,
  organizationMembers,
  organizations,
  participations,
  regions,
  users,
} from "../db/schema";
import type { Locale } from "../i18n";
import { pick, pickSql } from "./localized";
import { DomainError } from "./users";

/**
 * Organizations: the application (`/organize`) decided by the region's coordinators or an admin, the owner's invite
 * link for more organizers, and the figures of the organizer's screen (`/org`). Every function that changes something
 * checks on the server who asks, whatever the button said.
 */

export const MAX_ORGANIZATION_NAME = 120;
export const MAX_ORGANIZATION_DESCRIPTION = 500;
export const MAX_REJECT_REASON = 300;

export class OrganizationError extends DomainError {
  constructor(
    code:
      | "already_pending"
      | "already_member"
      | "forbidden"
      | "not_found"
      | "invalid"
      | "not_pending"
      | "owner_cannot_leave",
  ) {
    super(code);
    this.name = "OrganizationError";
  }
}

/**
 * A Kazakhstan BIN (business identification number): 12 digits whose last one is the check digit (weights 1–11,
 * then 3–11,1,2 when the first sum gives 10; a result of 10 again means the number is not valid).
 */
export function isValidBin(raw: string): boolean {
  if (!/^\d{12}$/.test(raw)) return false;
  const digits = [...raw].map(Number);
  const checksum = (weights: number[]) => weights.reduce((sum, w, i) => sum + w * digits[i]!, 0) % 11;
  let check = checksum([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  if (check === 10) check = checksum([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]);
  return check !== 10 && check === digits[11];
}

/** "+7 701 123-45-67" or "77011234567" (as Telegram shares it) → "+77011234567"; undefined when no phone. */
export function normalizePhone(raw: string): string | undefined {
  const digits = raw.replace(/\D/g, "");
  return digits.length >= 7 && digits.length <= 15 ? `+${digits}` : undefined;
}

export const organizationName = (org: Pick<Organization, "nameKk" | "nameRu">, locale: Locale) =>
  pick(org.nameKk, org.nameRu, locale);

const localeOf = (language: string | null | undefined): Locale => (language === "ru" ? "ru" : "kk");

// ----- where a user stands ---------------------------------------------------------------------------------------

export interface ApplicantState {
  /** The application waiting for a decision, if any. */
  pending?: { id: number; name: string };
  /** Approved organizations the user belongs to. */
  memberOf: Array<{ id: number; name: string; role: "owner" | "organizer" }>;
}

export async function applicantState(db: Executor, userId: number, locale: Locale): Promise<ApplicantState> {
  const [pending] = await db
    .select({ id: organizations.id, name: pickSql(organizations.nameKk, organizations.nameRu, locale) })
    .from(organizations)
    .where(and(eq(organizations.ownerId, userId), eq(organizations.status, "pending")))
    .limit(1);
  const memberOf = await db
    .select({
      id: organizations.id,
      name: pickSql(organizations.nameKk, organizations.nameRu, locale),
      role: organizationMembers.role,
    })
    .from(organizationMembers)
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .where(and(eq(organizationMembers.userId, userId), eq(organizations.status, "approved")))
    .orderBy(asc(organizations.id));
  return { pending, memberOf };
}

// ----- the application ---------------------------------------------------------------------------------------------

export interface Application {
  ownerId: number;
  nameKk?: string;
  nameRu?: string;
  kind: OrganizationKind;
  regionCode: string;
  phone: string;
  description: string;
  bin?: string;
}

/** Who decides applications of a region: its coordinators and every national admin. */
async function deciders(db: Executor, regionCode: string | null, adminIds: ReadonlySet<number>) {
  const ids = new Set(adminIds);
  if (regionCode) {
    const rows = await db
      .select({ userId: coordinators.userId })
      .from(coordinators)
      .where(eq(coordinators.regionCode, regionCode));
    for (const row of rows) ids.add(row.userId);
  }
  if (ids.size === 0) return [];
  const known = await db
    .select({ id: users.id, language: users.language })
    .from(users)
    .where(inArray(users.id, [...ids]));
  const language = new Map(known.map((u) => [u.id, u.language]));
  return [...ids].map((id) => ({ id, locale: localeOf(language.get(id)) }));
}

/**
 * Stores the application (status pending) and tells the region's coordinators and the admins, each in their language,
 * with Approve / Reject buttons. A second application while one is pending is refused; the same application again
 * (a replay after a crash) returns the stored one.
 */
export async function applyForOrganization(
  db: Database,
  application: Application,
  adminIds: ReadonlySet<number>,
): Promise<{ id: number; notified: number }> {
  if (!application.nameKk && !application.nameRu) throw new OrganizationError("invalid");
  if (application.bin && !isValidBin(application.bin)) throw new OrganizationError("invalid");
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select()
      .from(organizations)
      .where(and(eq(organizations.ownerId, application.ownerId), eq(organizations.status, "pending")))
      .limit(1);
    if (existing) {
      const same =
        existing.nameKk === (application.nameKk ?? null) &&
        existing.nameRu === (application.nameRu ?? null) &&
        existing.phone === application.phone &&
        existing.description === application.description;
      if (same) return { id: existing.id, notified: 0 };
      throw new OrganizationError("already_pending");
    }
    const [row] = await tx
      .insert(organizations)
      .values({
        nameKk: application.nameKk ?? null,
        nameRu: application.nameRu ?? null,
        kind: application.kind,
        regionCode: application.regionCode,
        phone: application.phone,
        description: application.description,
        bin: application.bin ?? null,
        status: "pending",
        ownerId: application.ownerId,
      })
      .onConflictDoNothing()
      .returning();
    // Another instance inserted one meanwhile (the unique index organizations_one_pending).
    if (!row) throw new OrganizationError("already_pending");
    const [applicant] = await tx
      .select({ firstName: users.firstName, lastName: users.lastName, username: users.username })
      .from(users)
      .where(eq(users.id, application.ownerId));
    const [region] = await tx.select().from(regions).where(eq(regions.code, application.regionCode));
    const who =
      [applicant?.firstName, applicant?.lastName].filter(Boolean).join(" ") ||
      (applicant?.username ? `@${applicant.username}` : String(application.ownerId));
    const recipients = (await deciders(tx, application.regionCode, adminIds)).filter(
      (r) => r.id !== application.ownerId,
    );
    await enqueue(
      tx,
      recipients.map((recipient) => ({
        chatId: recipient.id,
        idempotencyKey: `org-apply:${row.id}:${recipient.id}`,
        aboutUserId: application.ownerId,
        content: {
          template: "organizer.notice_application",
          params: {
            name: pick(row.nameKk, row.nameRu, recipient.locale),
            names: [row.nameKk, row.nameRu].filter(Boolean).join(" / "),
            kind: { $t: `organizer.kind_${row.kind}` },
            region: region ? pick(region.nameKk, region.nameRu, recipient.locale) : application.regionCode,
            phone: application.phone,
            description: application.description,
            bin: application.bin ?? "—",
            who,
          },
          locale: recipient.locale,
          buttons: [
            [
              { kind: "org.approve", organizationId: row.id },
              { kind: "org.reject", organizationId: row.id },
            ],
          ],
        },
      })),
    );
    return { id: row.id, notified: recipients.length };
  });
}

/** May this user decide this application: an admin, or a coordinator of its region; never the applicant. */
async function mayDecide(
  db: Executor,
  userId: number,
  org: Pick<Organization, "regionCode" | "ownerId">,
  adminIds: ReadonlySet<number>,
) {
  const { regionCode } = org;
  if (org.ownerId === userId) return false;
  if (adminIds.has(userId)) return true;
  if (!regionCode) return false;
  const [row] = await db
    .select({ userId: coordinators.userId })
    .from(coordinators)
    .where(and(eq(coordinators.userId, userId), eq(coordinators.regionCode, regionCode)))
    .limit(1);
  return Boolean(row);
}

export interface ApplicationView {
  id: number;
  name: string;
  status: Organization["status"];
  /** The first name of whoever decided it (when known). */
  decidedBy?: string;
}

async function decidedByName(db: Executor, id: number | null) {
  if (id === null) return undefined;
  const [row] = await db
    .select({ firstName: users.firstName, username: users.username })
    .from(users)
    .where(eq(users.id, id));
  return row?.firstName ?? (row?.username ? `@${row.username}` : undefined);
}

/**
 * The application as the decider sees it, when this user may decide it (else "forbidden" / "not_found"): used before
 * asking for a reject reason, so a volunteer never gets that far.
 */
export async function applicationFor(
  db: Executor,
  organizationId: number,
  userId: number,
  adminIds: ReadonlySet<number>,
  locale: Locale,
): Promise<ApplicationView> {
  const [org] = await db.select().from(organizations).where(eq(organizations.id, organizationId));
  if (!org) throw new OrganizationError("not_found");
  if (!(await mayDecide(db, userId, org, adminIds))) throw new OrganizationError("forbidden");
  return {
    id: org.id,
    name: organizationName(org, locale),
    status: org.status,
    decidedBy: await decidedByName(db, org.decidedBy),
  };
}

export type Decision = { approve: true } | { approve: false; reason: string };

/**
 * Approves or rejects a pending application, once: the row is locked and re-read, so of two coordinators pressing at
 * the same time one decides and the other learns who did. The approver must be an admin or a coordinator of the
 * organization's region (checked here, on every press). The applicant is told through the outbox.
 */
export async function decideApplication(
  db: Database,
  input: { organizationId: number; deciderId: number; adminIds: ReadonlySet<number>; locale: Locale },
  decision: Decision,
): Promise<{ decided: boolean } & ApplicationView> {
  return db.transaction(async (tx) => {
    const [org] = await tx.select().from(organizations).where(eq(organizations.id, input.organizationId)).for("update");
    if (!org) throw new OrganizationError("not_found");
    if (!(await mayDecide(tx, input.deciderId, org, input.adminIds))) throw new OrganizationError("forbidden");
    const name = organizationName(org, input.locale);
    if (org.status !== "pending") {
      return {
        decided: false,
        id: org.id,
        name,
        status: org.status,
        decidedBy: await decidedByName(tx, org.decidedBy),
      };
    }
    const now = new Date();
    const status = decision.approve ? "approved" : "rejected";
    await tx
      .update(organizations)
      .set({
        status,
        decidedBy: input.deciderId,
        decidedAt: now,
        verifiedAt: decision.approve ? now : null,
        rejectReason: decision.approve ? null : decision.reason,
      })
      .where(eq(organizations.id, org.id));
    const [owner] = org.ownerId
      ? await tx.select({ id: users.id, language: users.language }).from(users).where(eq(users.id, org.ownerId))
      : [];
    if (decision.approve && owner) {
      await tx
        .insert(organizationMembers)
        .values({ organizationId: org.id, userId: owner.id, role: "owner" })
        .onConflictDoNothing();
      await tx
        .update(users)
        .set({ role: "organizer", updatedAt: now })
        .where(and(eq(users.id, owner.id), eq(users.role, "volunteer")));
    }
    if (owner) {
      const locale = localeOf(owner.language);
      await enqueue(tx, {
        chatId: owner.id,
        idempotencyKey: `org-decided:${org.id}`,
        content: decision.approve
          ? {
              template: "organizer.notify_approved",
              params: { name: organizationName(org, locale) },
              locale,
              buttons: [[{ kind: "org.open", organizationId: org.id }]],
            }
          : {
              template: "organizer.notify_rejected",
              params: { name: organizationName(org, locale), reason: decision.reason },
              locale,
            },
      });
    }
    return { decided: true, id: org.id, name, status, decidedBy: await decidedByName(tx, input.deciderId) };
  });
}

// ----- members and invites -----------------------------------------------------------------------------------------

/** An approved organization this user belongs to (with their role), else undefined. */
export async function membershipOf(db: Executor, organizationId: number, userId: number, locale: Locale) {
  const [row] = await db
    .select({
      id: organizations.id,
      name: pickSql(organizations.nameKk, organizations.nameRu, locale),
      role: organizationMembers.role,
      inviteToken: organizations.inviteToken,
    })
    .from(organizationMembers)
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .where(
      and(
        eq(organizationMembers.organizationId, organizationId),
        eq(organizationMembers.userId, userId),
        eq(organizations.status, "approved"),
      ),
    );
  return row;
}

export interface MemberRow {
  userId: number;
  role: "owner" | "organizer";
  firstName: string | null;
  username: string | null;
}

export async function listMembers(db: Executor, organizationId: number): Promise<MemberRow[]> {
  return db
    .select({
      userId: organizationMembers.userId,
      role: organizationMembers.role,
      firstName: users.firstName,
      username: users.username,
    })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(eq(organizationMembers.organizationId, organizationId))
    .orderBy(sql`${organizationMembers.role} = 'owner' desc`, asc(organizationMembers.addedAt));
}

/** The approved organization, locked, when `userId` owns it; else "forbidden". */
async function lockOwned(tx: Executor, organizationId: number, userId: number): Promise<Organization> {
  const [row] = await tx
    .select({ organization: organizations })
    .from(organizations)
    .innerJoin(organizationMembers, eq(organizationMembers.organizationId, organizations.id))
    .where(
      and(
        eq(organizations.id, organizationId),
        eq(organizations.status, "approved"),
        eq(organizationMembers.userId, userId),
        eq(organizationMembers.role, "owner"),
      ),
    )
    .for("update", { of: organizations });
  if (!row) throw new OrganizationError("forbidden");
  return row.organization;
}

const newToken = () => randomBytes(16).toString("base64url");

/**
 * The owner's invite token: the stored one, or a new one when there is none or `renew` (which revokes the old link).
 * Refused ("forbidden") for anyone but the owner of this approved organization.
 */
export async function inviteToken(
  db: Database,
  organizationId: number,
  userId: number,
  renew = false,
): Promise<string> {
  return db.transaction(async (tx) => {
    const org = await lockOwned(tx, organizationId, userId);
    if (org.inviteToken && !renew) return org.inviteToken;
    const token = newToken();
    await tx.update(organizations).set({ inviteToken: token }).where(eq(organizations.id, organizationId));
    return token;
  });
}

/** The approved organization an invite token opens (undefined when unknown or revoked). */
export async function invitation(db: Executor, token: string, locale: Locale) {
  if (!/^[A-Za-z0-9_-]{10,56}$/.test(token)) return undefined;
  const [row] = await db
    .select({ id: organizations.id, name: pickSql(organizations.nameKk, organizations.nameRu, locale) })
    .from(organizations)
    .where(and(eq(organizations.inviteToken, token), eq(organizations.status, "approved")));
  return row;
}

/** Joins the organization of a valid invite token as an organizer. */
export async function joinByInvite(
  db: Database,
  token: string,
  userId: number,
  locale: Locale,
): Promise<{ id: number; name: string }> {
  return db.transaction(async (tx) => {
    const org = await invitation(tx, token, locale);
    if (!org) throw new OrganizationError("not_found");
    const added = await tx
      .insert(organizationMembers)
      .values({ organizationId: org.id, userId, role: "organizer" })
      .onConflictDoNothing()
      .returning();
    if (added.length === 0) throw new OrganizationError("already_member");
    await tx
      .update(users)
      .set({ role: "organizer", updatedAt: new Date() })
      .where(and(eq(users.id, userId), eq(users.role, "volunteer")));
    return org;
  });
}

/**
 * The owner removes an organizer (never themselves, never another owner). The removed person is told through the
 * outbox; a user left in no organization becomes a volunteer again.
 */
export async function removeMember(
  db: Database,
  input: { organizationId: number; ownerId: number; memberId: number },
): Promise<{ removed: boolean }> {
  if (input.memberId === input.ownerId) throw new OrganizationError("owner_cannot_leave");
  return db.transaction(async (tx) => {
    const org = await lockOwned(tx, input.organizationId, input.ownerId);
    const removed = await tx
      .delete(organizationMembers)
      .where(
        and(
          eq(organizationMembers.organizationId, input.organizationId),
          eq(organizationMembers.userId, input.memberId),
          eq(organizationMembers.role, "organizer"),
        ),
      )
      .returning();
    if (removed.length === 0) return { removed: false };
    const [left] = await tx
      .select({ n: count() })
      .from(organizationMembers)
      .where(eq(organizationMembers.userId, input.memberId));
    if ((left?.n ?? 0) === 0) {
      await tx
        .update(users)
        .set({ role: "volunteer", updatedAt: new Date() })
        .where(and(eq(users.id, input.memberId), eq(users.role, "organizer")));
    }
    const [member] = await tx.select({ language: users.language }).from(users).where(eq(users.id, input.memberId));
    const locale = localeOf(member?.language);
    await enqueue(tx, {
      chatId: input.memberId,
      idempotencyKey: `org-removed:${input.organizationId}:${input.memberId}:${Date.now()}`,
      content: {
        template: "organizer.notify_removed",
        params: { name: organizationName(org, locale) },
        locale,
      },
    });
    return { removed: true };
  });
}

// ----- the organizer's screen --------------------------------------------------------------------------------------

export interface HubFigures {
  upcoming: number;
  past: number;
  next: Array<{
    id: number;
    title: string;
    startsAt: Date;
    joined: number;
    capacity: number | null;
    waitlist: number;
  }>;
  pendingHours: number;
  channels: number;
  members: number;
}

/** What `/org` shows of an organization (the caller has checked the user acts for it). */
export async function hubFigures(
  db: Executor,
  organizationId: number,
  locale: Locale,
  now = new Date(),
  nextCount = 3,
): Promise<HubFigures> {
  const published = and(eq(actions.organizationId, organizationId), eq(actions.status, "published"));
  // A raw Date in sql`` is not serialized by postgres-js: pass the moment as ISO text.
  const at = now.toISOString();
  const [counts, next, pending, channels, members] = await Promise.all([
    db
      .select({
        upcoming: sql<number>`count(*) filter (where ${actions.startsAt} > ${at}::timestamptz)::int`,
        past: sql<number>`count(*) filter (where ${actions.startsAt} <= ${at}::timestamptz)::int`,
      })
      .from(actions)
      .where(published),
    db
      .select({
        id: actions.id,
        title: pickSql(actions.titleKk, actions.titleRu, locale),
        startsAt: actions.startsAt,
        joined: actions.participantsCount,
        capacity: actions.capacity,
        waitlist: sql<number>`(select count(*)::int from ${participations}
          where ${participations.actionId} = ${actions.id} and ${participations.status} = 'waitlisted')`,
      })
      .from(actions)
      .where(and(published, gt(actions.startsAt, now)))
      .orderBy(asc(actions.startsAt))
      .limit(nextCount),
    db
      .select({ n: count() })
      .from(hourEntries)
      .innerJoin(actions, eq(actions.id, hourEntries.actionId))
      .where(
        and(
          eq(actions.organizationId, organizationId),
          eq(hourEntries.status, "pending"),
          eq(hourEntries.source, "self"),
        ),
      ),
    db.select({ n: count() }).from(linkedChats).where(eq(linkedChats.organizationId, organizationId)),
    db.select({ n: count() }).from(organizationMembers).where(eq(organizationMembers.organizationId, organizationId)),
  ]);
  return {
    upcoming: counts[0]?.upcoming ?? 0,
    past: counts[0]?.past ?? 0,
    next,
    pendingHours: pending[0]?.n ?? 0,
    channels: channels[0]?.n ?? 0,
    members: members[0]?.n ?? 0,
  };
}
