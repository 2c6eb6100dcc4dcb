import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { type Database, type Executor, preparedPerDatabase } from "../db/client";
import { eraseTypedTextFor, forgetMessagesAbout } from "../db/outbox";
import { forgetEmergencyProfile } from "./emergency";
import { redrawTalliesWithout } from "./callouts";
import {
  clubCoordinators,
  organizations,
  browseStates,
  conversationStates,
  hourEntries,
  marathonDeeds,
  type User,
  type UserRole,
  users,
  volunteerBooks,
} from "../db/schema";
import { type Category, isCategory } from "./categories";
import { cleanText } from "./text";
import type { StoredConversation } from "./conversation-state";

export type { User };
export type Language = "kk" | "ru";

export interface TelegramProfile {
  /** Undefined when Telegram's name has nothing visible (domain/text.ts cleanName). */
  firstName?: string;
  lastName?: string;
  username?: string;
}

export interface GeoPoint {
  latitude: number;
  longitude: number;
}

export class DomainError extends Error {
  constructor(readonly code: string) {
    super(code);
    this.name = "DomainError";
  }
}

export function isValidPoint(p: GeoPoint): boolean {
  return (
    Number.isFinite(p.latitude) &&
    Number.isFinite(p.longitude) &&
    Math.abs(p.latitude) <= 90 &&
    Math.abs(p.longitude) <= 180
  );
}

export function hasConsent(user: Pick<User, "consentAt"> | undefined): boolean {
  return Boolean(user?.consentAt);
}

const findUserQuery = preparedPerDatabase((db) =>
  db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder("id")))
    .limit(1)
    .prepare("find_user"),
);

export async function findUser(db: Database, id: number): Promise<User | undefined> {
  const [row] = await findUserQuery(db).execute({ id });
  return row;
}

/** The user's row and the conversation state stored under `key`, in one statement (a left join on the key). */
const senderQuery = preparedPerDatabase((db) =>
  db
    .select({ user: users, state: conversationStates.state, stateUpdatedAt: conversationStates.updatedAt })
    .from(users)
    .leftJoin(conversationStates, eq(conversationStates.key, sql.placeholder("key")))
    .where(eq(users.id, sql.placeholder("id")))
    .prepare("find_sender"),
);

export interface Sender {
  user: User;
  /**
   * The conversation state stored under the key asked for: null when there is none, undefined when it was not read
   * (the user was created by this call).
   */
  conversation: StoredConversation | null | undefined;
}

/**
 * touchUser for an update: also reads, in the same statement, the conversation state stored under
 * `conversationKey` (the private chat's), so a returning user's update costs one statement before its handler.
 */
export async function touchSender(
  db: Database,
  id: number,
  isAdmin: boolean,
  conversationKey: string,
): Promise<Sender> {
  const [row] = await senderQuery(db).execute({ id, key: conversationKey });
  if (!row) return { user: await touchUser(db, id, isAdmin), conversation: undefined };
  const conversation = row.stateUpdatedAt ? { state: row.state, updatedAt: row.stateUpdatedAt } : null;
  return { user: await refreshUser(db, row.user, isAdmin), conversation };
}

/**
 * Returns the user, creating the row on first contact. The national-admin role follows ADMIN_IDS both ways;
 * a user who writes again is no longer considered to have blocked the bot. Writes only when something changed.
 */
export async function touchUser(db: Database, id: number, isAdmin: boolean): Promise<User> {
  const existing = await findUser(db, id);
  if (!existing) {
    const [created] = await db
      .insert(users)
      .values({ id, role: isAdmin ? "admin" : "volunteer" })
      .onConflictDoNothing()
      .returning();
    return created ?? (await findUser(db, id))!;
  }
  return refreshUser(db, existing, isAdmin);
}

/** Brings the role in line with ADMIN_IDS and clears the blocked mark; writes only when something changed. */
async function refreshUser(db: Database, existing: User, isAdmin: boolean): Promise<User> {
  const role: UserRole = isAdmin ? "admin" : existing.role === "admin" ? "volunteer" : existing.role;
  if (role === existing.role && existing.blockedAt === null) return existing;
  const [updated] = await db
    .update(users)
    // Back from a block: a staff menu dropped while blocked is set again by the command-menu job.
    .set({
      role,
      blockedAt: null,
      commandMenu: existing.blockedAt ? null : existing.commandMenu,
      updatedAt: new Date(),
    })
    .where(eq(users.id, existing.id))
    .returning();
  return updated!;
}

export async function setLanguage(db: Database, id: number, language: Language): Promise<void> {
  await db.update(users).set({ language, updatedAt: new Date() }).where(eq(users.id, id));
}

export interface OnboardingAnswers {
  language: Language;
  regionCode: string;
  interests: Category[];
  consent: boolean;
  profile: TelegramProfile;
  location?: GeoPoint;
}

/** Finishes onboarding. Without consent nothing personal is kept: only the id, the language and the mark. */
export async function completeOnboarding(db: Database, id: number, answers: OnboardingAnswers): Promise<User> {
  const now = new Date();
  const personal = answers.consent
    ? {
        firstName: answers.profile.firstName ?? null,
        lastName: answers.profile.lastName ?? null,
        username: answers.profile.username ?? null,
        regionCode: answers.regionCode,
        interests: answers.interests.filter(isCategory),
        consentAt: now,
        ...locationColumns(answers.location, now),
      }
    : erasedPersonalData();
  const [row] = await db
    .update(users)
    .set({ language: answers.language, onboardedAt: now, updatedAt: now, ...personal })
    .where(eq(users.id, id))
    .returning();
  if (!row) throw new DomainError("user_not_found");
  return row;
}

function locationColumns(location: GeoPoint | undefined, now: Date) {
  if (!location || !isValidPoint(location)) return { latitude: null, longitude: null, locationAt: null };
  return { latitude: location.latitude, longitude: location.longitude, locationAt: now };
}

function erasedPersonalData() {
  return {
    fullName: null,
    firstName: null,
    lastName: null,
    username: null,
    regionCode: null,
    interests: [] as string[],
    consentAt: null,
    latitude: null,
    longitude: null,
    locationAt: null,
  };
}

/** Consent given later (from settings): the Telegram profile may now be kept. */
export async function giveConsent(db: Database, id: number, profile: TelegramProfile): Promise<User> {
  const now = new Date();
  const [row] = await db
    .update(users)
    .set({
      consentAt: now,
      firstName: profile.firstName ?? null,
      lastName: profile.lastName ?? null,
      username: profile.username ?? null,
      updatedAt: now,
    })
    .where(eq(users.id, id))
    .returning();
  if (!row) throw new DomainError("user_not_found");
  return row;
}

/**
 * The short way in from an action's card: someone who has just consented picks a region and is onboarded with the
 * defaults (no interests: every category; no location; both can be chosen in the settings later). For someone
 * onboarded without a region (consent declined then, given now) it only sets the region. Without consent nothing is
 * written (a region is personal data): DomainError "consent_required".
 */
export async function completeWithRegion(
  db: Database,
  id: number,
  regionCode: string,
  language: Language,
): Promise<User> {
  const now = new Date();
  const [row] = await db
    .update(users)
    .set({
      regionCode,
      language: sql`coalesce(${users.language}, ${language})`,
      onboardedAt: sql`coalesce(${users.onboardedAt}, ${now.toISOString()}::timestamptz)`,
      updatedAt: now,
    })
    .where(and(eq(users.id, id), isNotNull(users.consentAt)))
    .returning();
  if (!row) throw new DomainError("consent_required");
  return row;
}

/**
 * Withdrawing consent erases, in one transaction, every personal column (src/db/personal-data.ts lists them): the
 * profile, the search point of a browse session, hour notes and free-form organization names, deed texts and
 * photos, the conversation state of the private chat, and it revokes the issued volunteer books. What is left is
 * what the account needs without consent: the id, the language, the onboarding mark, settings, participations and
 * the hour and deed records themselves (numbers and dates, no text).
 */
export async function withdrawConsent(
  db: Database,
  id: number,
  adminIds: ReadonlySet<number>,
  now = new Date(),
): Promise<void> {
  await db.transaction((tx) => erasePersonalData(tx, id, adminIds, now));
}

/**
 * The erasure of withdrawConsent, in the caller's transaction (account deletion runs it too). `adminIds`: the call-out
 * tallies redrawn without the person go only to those still managing their call-outs.
 */
export async function erasePersonalData(
  tx: Executor,
  id: number,
  adminIds: ReadonlySet<number>,
  now = new Date(),
): Promise<void> {
  await tx
    .update(users)
    .set({ ...erasedPersonalData(), updatedAt: now })
    .where(eq(users.id, id));
  await tx
    .update(browseStates)
    .set({ latitude: null, longitude: null, originAt: null })
    .where(eq(browseStates.userId, id));
  await tx.update(hourEntries).set({ note: null, organizationName: null }).where(eq(hourEntries.userId, id));
  await tx.update(marathonDeeds).set({ text: null, photoFileId: null }).where(eq(marathonDeeds.userId, id));
  await tx.update(organizations).set({ phone: null }).where(eq(organizations.ownerId, id));
  await forgetEmergencyProfile(tx, id);
  await redrawTalliesWithout(tx, id, { removeAnswers: false, adminIds }, now);
  await tx.update(clubCoordinators).set({ phone: null, phoneSharedAt: null }).where(eq(clubCoordinators.userId, id));
  await revokeVolunteerBooks(tx, id, now);
  // The conversations plugin keys a private chat's state by the chat id, which is the user's id.
  await tx.delete(conversationStates).where(eq(conversationStates.key, String(id)));
  await forgetMessagesAbout(tx, id);
  await eraseTypedTextFor(tx, id);
}

/**
 * A book is verifiable only while its holder consents: revoking keeps the code (so /verify answers "revoked", not
 * "unknown") and erases whose it was.
 */
async function revokeVolunteerBooks(tx: Executor, id: number, now: Date): Promise<void> {
  await tx
    .update(volunteerBooks)
    .set({ userId: null, holderName: null, entriesHash: null, printedEntries: null, revokedAt: now })
    .where(and(eq(volunteerBooks.userId, id), isNull(volunteerBooks.revokedAt)));
}

export type FullNameProblem = "empty" | "too_long" | "one_word" | "not_a_name";

/**
 * The full name as in the person's ID, printed on volunteer books: letters (any script), spaces, hyphens,
 * apostrophes and dots; at least two words (surname and name); at most 100 characters.
 */
export function checkFullName(raw: string | undefined): { name: string } | { error: FullNameProblem } {
  const cleaned = cleanText(raw, { max: 100 });
  if ("error" in cleaned) return cleaned;
  const name = cleaned.text;
  if (!/^[\p{L}\p{M}][\p{L}\p{M} .'’-]*$/u.test(name)) return { error: "not_a_name" };
  if (name.split(" ").filter((w) => /\p{L}/u.test(w)).length < 2) return { error: "one_word" };
  return { name };
}

export async function setFullName(db: Database, id: number, fullName: string): Promise<User> {
  return updatePersonal(db, id, { fullName });
}

async function updatePersonal(db: Database, id: number, values: Partial<typeof users.$inferInsert>): Promise<User> {
  const user = await findUser(db, id);
  if (!user) throw new DomainError("user_not_found");
  if (!hasConsent(user)) throw new DomainError("consent_required");
  const [row] = await db
    .update(users)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(users.id, id))
    .returning();
  return row!;
}

export function setRegion(db: Database, id: number, regionCode: string): Promise<User> {
  return updatePersonal(db, id, { regionCode });
}

export function setInterests(db: Database, id: number, interests: readonly string[]): Promise<User> {
  return updatePersonal(db, id, { interests: [...new Set(interests.filter(isCategory))] });
}

export function setLocation(db: Database, id: number, point: GeoPoint): Promise<User> {
  if (!isValidPoint(point)) throw new DomainError("invalid_location");
  return updatePersonal(db, id, locationColumns(point, new Date()));
}

export function clearLocation(db: Database, id: number): Promise<User> {
  return updatePersonal(db, id, { latitude: null, longitude: null, locationAt: null });
}

/** Pauses or resumes availability; returns whether the user is paused now. */
export async function setPaused(db: Database, id: number, paused: boolean): Promise<boolean> {
  await db
    .update(users)
    .set({ pausedAt: paused ? new Date() : null, updatedAt: new Date() })
    .where(eq(users.id, id));
  return paused;
}

/** Telegram told us (my_chat_member) that the user blocked or unblocked the bot. */
export async function markBlocked(db: Database, id: number, blocked: boolean): Promise<void> {
  await db
    .update(users)
    .set({ blockedAt: blocked ? new Date() : null, updatedAt: new Date() })
    .where(eq(users.id, id));
}
