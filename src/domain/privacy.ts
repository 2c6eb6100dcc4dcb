import { and, asc, eq, inArray, or, sql } from "drizzle-orm";
import { type Database, type Executor, rowsOf } from "../db/client";
import {
  actions,
  browseStates,
  calloutAnswers,
  callouts,
  clubAnswers,
  clubCoordinators,
  clubMembers,
  clubs,
  emergencyProfiles,
  conversationStates,
  hourEntries,
  marathonDeeds,
  marathonParticipants,
  marathons,
  organizations,
  organizationMembers,
  coordinators,
  actionAlerts,
  organizationMutes,
  linkedChats,
  broadcasts,
  coordinatorInvites,
  outbox,
  chatLimits,
  participations,
  users,
  volunteerBooks,
} from "../db/schema";
import { leaveAction } from "./participation";
import { redrawTalliesWithout } from "./callouts";
import { erasePersonalData, findUser } from "./users";

/**
 * Everything the bot holds about a person (the right of access, /mydata): the profile and settings, what they
 * joined, their hours with notes, marathon deeds, issued volunteer books, the browse session, messages waiting in
 * the outbox for their chat and whether a conversation is in progress. Plain data, ready for JSON.
 */
export interface PersonalDataExport {
  exportedAt: string;
  profile: {
    telegramId: number;
    /** The full name typed for volunteer books. */
    fullName: string | null;
    firstName: string | null;
    lastName: string | null;
    username: string | null;
    language: string | null;
    role: string;
    regionCode: string | null;
    interests: string[];
    location: { latitude: number; longitude: number; savedAt: string | null } | null;
    consentGivenAt: string | null;
    onboardedAt: string | null;
    blockedBotAt: string | null;
    createdAt: string;
    updatedAt: string;
  };
  settings: {
    pausedAt: string | null;
    reminder24h: boolean;
    reminder2h: boolean;
    quietHours: { startMinute: number; endMinute: number };
    alerts: { mode: string; radiusKm: number };
    seniorMode: boolean;
  };
  participations: Array<{
    actionId: number;
    action: string;
    startsAt: string;
    status: string;
    /** For a left one: on the list or the waitlist before leaving (what Undo restores). */
    leftFrom: string | null;
    attendance: string | null;
    since: string;
  }>;
  hours: Array<{
    id: number;
    date: string;
    hours: number;
    status: string;
    source: string;
    action: string | null;
    organization: string | null;
    category: string | null;
    note: string | null;
    /** The organizer's reason when the claim was rejected. */
    rejectReason: string | null;
    loggedAt: string;
    decidedAt: string | null;
  }>;
  marathons: Array<{ marathonId: number; code: string; joinedAt: string }>;
  marathonDeeds: Array<{
    id: number;
    marathonId: number;
    text: string | null;
    photoFileId: string | null;
    hours: number;
    at: string;
  }>;
  volunteerBooks: Array<{
    code: string;
    periodFrom: string;
    periodTo: string;
    totalHours: number;
    entries: number;
    holderName: string | null;
    issuedAt: string;
  }>;
  clubs: Array<{ clubId: number; club: string; joinedAt: string }>;
  /** Emergency readiness (settings) and answers to call-outs. */
  emergency: {
    skills: string[];
    mobileGroup: boolean;
    pausedAt: string | null;
    phone: string | null;
    updatedAt: string;
  } | null;
  calloutAnswers: Array<{ calloutId: number; answer: string; at: string }>;
  /** Answers for club meetings and whether the person came (marked by a club coordinator). */
  clubAnswers: Array<{ meetingId: number; date: string; answer: string | null; attended: boolean | null; at: string }>;
  /** Clubs the person coordinates, with the phone the front office shared. */
  clubsCoordinated: Array<{ clubId: number; phone: string | null }>;
  organizationsOwned: Array<{ id: number; name: string }>;
  /** Organizations the person acts for (owner or organizer), regions they coordinate, organizations muted. */
  staff: {
    organizations: Array<{ organizationId: number; role: string; since: string }>;
    coordinatorOf: string[];
    mutedOrganizations: number[];
  };
  /** New actions the person was told of (or will be, in the evening digest). */
  alertsReceived: Array<{ actionId: number; sentAt: string | null }>;
  searchSession: {
    point: { latitude: number; longitude: number; at: string | null } | null;
    category: string | null;
    period: string;
    page: number;
    updatedAt: string;
  } | null;
  messages: Array<{
    id: number;
    toYou: boolean;
    kind: string;
    notBefore: string;
    state: string;
    sentAt: string | null;
    content: unknown;
  }>;
  conversation: { inProgress: boolean; updatedAt: string | null; stored: unknown };
}

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

export async function exportPersonalData(
  db: Database,
  userId: number,
  now = new Date(),
): Promise<PersonalDataExport | undefined> {
  const user = await findUser(db, userId);
  if (!user) return undefined;
  const [readiness, answers] = await Promise.all([
    db.select().from(emergencyProfiles).where(eq(emergencyProfiles.userId, userId)),
    db
      .select({ calloutId: calloutAnswers.calloutId, answer: calloutAnswers.answer, at: calloutAnswers.answeredAt })
      .from(calloutAnswers)
      .where(eq(calloutAnswers.userId, userId))
      .orderBy(asc(calloutAnswers.answeredAt)),
  ]);
  const [joined, hours, marathonsJoined, deeds, books, memberships, owned, browse, messages, conversation] =
    await Promise.all([
      db
        .select({
          actionId: participations.actionId,
          action: sql<string>`coalesce(${actions.titleKk}, ${actions.titleRu})`,
          startsAt: actions.startsAt,
          status: participations.status,
          leftFrom: participations.leftFrom,
          attendance: participations.attendance,
          since: participations.updatedAt,
        })
        .from(participations)
        .innerJoin(actions, eq(actions.id, participations.actionId))
        .where(eq(participations.userId, userId))
        .orderBy(asc(actions.startsAt)),
      db
        .select({ entry: hourEntries, action: sql<string | null>`coalesce(${actions.titleKk}, ${actions.titleRu})` })
        .from(hourEntries)
        .leftJoin(actions, eq(actions.id, hourEntries.actionId))
        .where(eq(hourEntries.userId, userId))
        .orderBy(asc(hourEntries.activityDate), asc(hourEntries.id)),
      db
        .select({
          marathonId: marathonParticipants.marathonId,
          code: marathons.code,
          joinedAt: marathonParticipants.joinedAt,
        })
        .from(marathonParticipants)
        .innerJoin(marathons, eq(marathons.id, marathonParticipants.marathonId))
        .where(eq(marathonParticipants.userId, userId)),
      db.select().from(marathonDeeds).where(eq(marathonDeeds.userId, userId)).orderBy(asc(marathonDeeds.id)),
      db.select().from(volunteerBooks).where(eq(volunteerBooks.userId, userId)).orderBy(asc(volunteerBooks.createdAt)),
      db
        .select({
          clubId: clubMembers.clubId,
          club: sql<string>`coalesce(${clubs.nameKk}, ${clubs.nameRu})`,
          joinedAt: clubMembers.joinedAt,
        })
        .from(clubMembers)
        .innerJoin(clubs, eq(clubs.id, clubMembers.clubId))
        .where(eq(clubMembers.userId, userId)),
      db
        .select({ id: organizations.id, name: sql<string>`coalesce(${organizations.nameKk}, ${organizations.nameRu})` })
        .from(organizations)
        .where(eq(organizations.ownerId, userId)),
      db.select().from(browseStates).where(eq(browseStates.userId, userId)),
      db
        .select()
        .from(outbox)
        .where(or(eq(outbox.chatId, userId), eq(outbox.aboutUserId, userId)))
        .orderBy(asc(outbox.id)),
      db
        .select({ updatedAt: conversationStates.updatedAt, state: conversationStates.state })
        .from(conversationStates)
        .where(eq(conversationStates.key, String(userId))),
    ]);
  const session = browse[0];
  const [memberOf, regionsCoordinated, muted, alerted] = await Promise.all([
    db
      .select({
        organizationId: organizationMembers.organizationId,
        role: organizationMembers.role,
        since: organizationMembers.addedAt,
      })
      .from(organizationMembers)
      .where(eq(organizationMembers.userId, userId)),
    db.select({ regionCode: coordinators.regionCode }).from(coordinators).where(eq(coordinators.userId, userId)),
    db
      .select({ organizationId: organizationMutes.organizationId })
      .from(organizationMutes)
      .where(eq(organizationMutes.userId, userId)),
    db
      .select({ actionId: actionAlerts.actionId, sentAt: actionAlerts.sentAt })
      .from(actionAlerts)
      .where(eq(actionAlerts.userId, userId)),
  ]);
  const [clubReplies, coordinated] = await Promise.all([
    db.select().from(clubAnswers).where(eq(clubAnswers.userId, userId)).orderBy(asc(clubAnswers.date)),
    db
      .select({ clubId: clubCoordinators.clubId, phone: clubCoordinators.phone })
      .from(clubCoordinators)
      .where(eq(clubCoordinators.userId, userId)),
  ]);
  return {
    exportedAt: now.toISOString(),
    profile: {
      telegramId: user.id,
      fullName: user.fullName,
      firstName: user.firstName,
      lastName: user.lastName,
      username: user.username,
      language: user.language,
      role: user.role,
      regionCode: user.regionCode,
      interests: user.interests,
      location:
        user.latitude !== null && user.longitude !== null
          ? { latitude: user.latitude, longitude: user.longitude, savedAt: iso(user.locationAt) }
          : null,
      consentGivenAt: iso(user.consentAt),
      onboardedAt: iso(user.onboardedAt),
      blockedBotAt: iso(user.blockedAt),
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    },
    settings: {
      pausedAt: iso(user.pausedAt),
      reminder24h: user.reminder24h,
      reminder2h: user.reminder2h,
      quietHours: { startMinute: user.quietStartMinute, endMinute: user.quietEndMinute },
      alerts: { mode: user.alertMode, radiusKm: user.alertRadiusKm },
      seniorMode: user.seniorMode,
    },
    participations: joined.map((p) => ({ ...p, startsAt: p.startsAt.toISOString(), since: p.since.toISOString() })),
    hours: hours.map(({ entry, action }) => ({
      id: entry.id,
      date: entry.activityDate,
      hours: entry.hours,
      status: entry.status,
      source: entry.source,
      action,
      organization: entry.organizationName,
      category: entry.category,
      note: entry.note,
      rejectReason: entry.rejectReason,
      loggedAt: entry.createdAt.toISOString(),
      decidedAt: iso(entry.decidedAt),
    })),
    marathons: marathonsJoined.map((m) => ({ ...m, joinedAt: m.joinedAt.toISOString() })),
    marathonDeeds: deeds.map((d) => ({
      id: d.id,
      marathonId: d.marathonId,
      text: d.text,
      photoFileId: d.photoFileId,
      hours: d.hours,
      at: d.createdAt.toISOString(),
    })),
    volunteerBooks: books.map((b) => ({
      code: b.code,
      periodFrom: b.periodFrom,
      periodTo: b.periodTo,
      totalHours: b.totalHours,
      entries: b.entries,
      holderName: b.holderName,
      issuedAt: b.createdAt.toISOString(),
    })),
    clubs: memberships.map((m) => ({ ...m, joinedAt: m.joinedAt.toISOString() })),
    emergency: readiness[0]
      ? {
          skills: readiness[0].skills,
          mobileGroup: readiness[0].mobileGroup,
          pausedAt: iso(readiness[0].pausedAt),
          phone: readiness[0].phone,
          updatedAt: readiness[0].updatedAt.toISOString(),
        }
      : null,
    calloutAnswers: answers.map((a) => ({ ...a, at: a.at.toISOString() })),
    clubAnswers: clubReplies.map((a) => ({
      meetingId: a.meetingId,
      date: a.date,
      answer: a.answer,
      attended: a.attended,
      at: a.answeredAt.toISOString(),
    })),
    clubsCoordinated: coordinated,
    organizationsOwned: owned,
    staff: {
      organizations: memberOf.map((m) => ({ ...m, since: m.since.toISOString() })),
      coordinatorOf: regionsCoordinated.map((c) => c.regionCode),
      mutedOrganizations: muted.map((m) => m.organizationId),
    },
    alertsReceived: alerted.map((a) => ({ actionId: a.actionId, sentAt: iso(a.sentAt) })),
    searchSession: session
      ? {
          point:
            session.latitude !== null && session.longitude !== null
              ? { latitude: session.latitude, longitude: session.longitude, at: iso(session.originAt) }
              : null,
          category: session.category,
          period: session.period,
          page: session.page,
          updatedAt: session.updatedAt.toISOString(),
        }
      : null,
    // Every message for the chat the bot still keeps (waiting, sent or failed: sent ones are kept
    // OUTBOX_RETENTION_DAYS, failed ones at least 30 days), and notices about the person in other chats.
    messages: messages.map((m) => ({
      id: m.id,
      toYou: m.chatId === userId,
      kind: m.kind,
      notBefore: m.notBefore.toISOString(),
      state: m.state,
      sentAt: iso(m.sentAt),
      content: m.payload,
    })),
    // A conversation in progress keeps what was typed in it (a day at most): its replay log, as stored.
    conversation: {
      inProgress: conversation.length > 0,
      updatedAt: iso(conversation[0]?.updatedAt),
      stored: conversation[0]?.state ?? null,
    },
  };
}

export interface DeletionResult {
  /** Users promoted from a waitlist into the spots this person held (each told through the outbox). */
  promoted: number[];
  /** The chat had a staff command menu (or one on its way): the bot puts the public menu back. */
  staffMenu: boolean;
}

/**
 * Deletes the account (the right to erasure, /deleteme), in one transaction:
 * - upcoming participations are left through the usual leave logic, so the first on each waitlist is promoted and
 *   told; then every participation row goes;
 * - confirmed hours are added to anonymous_hours (per month, region, category) and every hour entry goes;
 * - deeds, marathon and club memberships, the browse session, the conversation state and every outbox row for the
 *   chat go; issued volunteer books are revoked (the code answers "revoked", the holder is erased);
 * - references as staff (organization owner, action author, club coordinator, hours decided) are cleared;
 * - last, the users row itself. The next /start makes a new user.
 */
export async function deleteAccount(
  db: Database,
  userId: number,
  adminIds: ReadonlySet<number>,
  now = new Date(),
): Promise<DeletionResult | undefined> {
  return db.transaction(async (tx) => {
    const [user] = await tx
      .select({ id: users.id, commandMenu: users.commandMenu })
      .from(users)
      .where(eq(users.id, userId))
      .for("update");
    if (!user) return undefined;
    const staffMenu =
      user.commandMenu !== null ||
      (
        await tx
          .select({ id: outbox.id })
          .from(outbox)
          .where(and(eq(outbox.chatId, userId), eq(outbox.kind, "commands")))
      ).length > 0;

    const promoted: number[] = [];
    const held = await tx
      .select({ actionId: participations.actionId })
      .from(participations)
      .where(and(eq(participations.userId, userId), inArray(participations.status, ["joined", "waitlisted"])))
      .orderBy(asc(participations.actionId));
    for (const { actionId } of held) {
      // A savepoint inside this transaction: the same rules (and notices) as a "Leave" press.
      const result = await leaveAction(tx as unknown as Database, actionId, userId, now);
      if (result.status === "left" && result.promotedUserId !== undefined) promoted.push(result.promotedUserId);
    }
    await tx.delete(participations).where(eq(participations.userId, userId));

    await keepAnonymousTotals(tx, userId);
    await tx.delete(hourEntries).where(eq(hourEntries.userId, userId));
    await tx.update(hourEntries).set({ decidedBy: null }).where(eq(hourEntries.decidedBy, userId));

    // Erases the text columns (deed texts, books…) exactly as withdrawing consent does, then removes the rows.
    await erasePersonalData(tx, userId, adminIds, now);
    await tx.delete(marathonDeeds).where(eq(marathonDeeds.userId, userId));
    await tx.delete(marathonParticipants).where(eq(marathonParticipants.userId, userId));
    await tx.delete(clubMembers).where(eq(clubMembers.userId, userId));
    await tx.delete(emergencyProfiles).where(eq(emergencyProfiles.userId, userId));
    await tx.delete(calloutAnswers).where(eq(calloutAnswers.userId, userId));
    await redrawTalliesWithout(tx, userId, { removeAnswers: true, adminIds }, now);
    await tx.update(callouts).set({ createdBy: null }).where(eq(callouts.createdBy, userId));
    // A tally in the deleted person's chat is no longer kept up to date (it would only re-list names and phones).
    await tx.update(callouts).set({ tallyChatId: null, tallyMessageId: null }).where(eq(callouts.tallyChatId, userId));
    await tx.delete(browseStates).where(eq(browseStates.userId, userId));
    await tx.delete(outbox).where(eq(outbox.chatId, userId));
    await tx.delete(chatLimits).where(eq(chatLimits.chatId, userId));

    await tx.delete(organizationMembers).where(eq(organizationMembers.userId, userId));
    await tx.delete(coordinators).where(eq(coordinators.userId, userId));
    await tx.delete(actionAlerts).where(eq(actionAlerts.userId, userId));
    await tx.delete(organizationMutes).where(eq(organizationMutes.userId, userId));
    await tx.update(organizations).set({ ownerId: null }).where(eq(organizations.ownerId, userId));
    await tx.update(organizations).set({ decidedBy: null }).where(eq(organizations.decidedBy, userId));
    await tx.update(linkedChats).set({ linkedBy: null }).where(eq(linkedChats.linkedBy, userId));
    await tx.update(broadcasts).set({ createdBy: null }).where(eq(broadcasts.createdBy, userId));
    await tx
      .update(broadcasts)
      .set({ progressChatId: null, progressMessageId: null })
      .where(eq(broadcasts.progressChatId, userId));
    await tx.update(coordinators).set({ appointedBy: null }).where(eq(coordinators.appointedBy, userId));
    await tx.update(coordinatorInvites).set({ usedBy: null }).where(eq(coordinatorInvites.usedBy, userId));
    await tx.delete(coordinatorInvites).where(eq(coordinatorInvites.createdBy, userId));
    await tx.update(actions).set({ createdBy: null }).where(eq(actions.createdBy, userId));
    await tx.delete(clubAnswers).where(eq(clubAnswers.userId, userId));
    await tx.update(clubAnswers).set({ markedBy: null }).where(eq(clubAnswers.markedBy, userId));
    await tx.delete(clubCoordinators).where(eq(clubCoordinators.userId, userId));

    await tx.delete(users).where(eq(users.id, userId));
    return { promoted, staffMenu };
  });
}

/** Adds the person's confirmed hours to the anonymous totals, merged with everyone else's of the same key. */
async function keepAnonymousTotals(tx: Executor, userId: number): Promise<void> {
  await tx.execute(sql`
    insert into anonymous_hours (month, region_code, category, hours, entries)
    select to_char(h.activity_date, 'YYYY-MM'), coalesce(a.region_code, u.region_code, ''), coalesce(h.category, ''),
           sum(h.hours), count(*)
    from hour_entries h
    join users u on u.id = h.user_id
    left join actions a on a.id = h.action_id
    where h.user_id = ${userId} and h.status = 'confirmed'
    group by 1, 2, 3
    on conflict (month, region_code, category)
    do update set hours = anonymous_hours.hours + excluded.hours, entries = anonymous_hours.entries + excluded.entries`);
}

export interface HourTotal {
  /** "2026-03" */
  month: string;
  /** "" when unknown. */
  regionCode: string;
  /** "" when none. */
  category: string;
  hours: number;
  entries: number;
}

/**
 * Confirmed hours for statistics, per month, region (the action's, else the volunteer's) and category: the live
 * entries plus the anonymous totals of deleted accounts, so deleting an account never changes a figure.
 */
export async function hourTotals(db: Database): Promise<HourTotal[]> {
  const rows = rowsOf<{ month: string; region_code: string; category: string; hours: unknown; entries: unknown }>(
    await db.execute(sql`
      select month, region_code, category, sum(hours) as hours, sum(entries) as entries
      from (
        select to_char(h.activity_date, 'YYYY-MM') as month, coalesce(a.region_code, u.region_code, '') as region_code,
               coalesce(h.category, '') as category, h.hours as hours, 1 as entries
        from hour_entries h
        join users u on u.id = h.user_id
        left join actions a on a.id = h.action_id
        where h.status = 'confirmed'
        union all
        select month, region_code, category, hours, entries from anonymous_hours
      ) t
      group by month, region_code, category
      order by month, region_code, category`),
  );
  return rows.map((r) => ({
    month: r.month,
    regionCode: r.region_code,
    category: r.category,
    hours: Number(r.hours),
    entries: Number(r.entries),
  }));
}
