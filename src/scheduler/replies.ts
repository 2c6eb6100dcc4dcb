import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { actions, clubMembers, clubMeetings, clubs, participations, users } from "../db/schema";
import { at, enqueue } from "../delivery/outbox";
import { localMoment } from "../delivery/quiet-hours";

/** What the "I'm coming / I can't" buttons of an action reminder need to know. */
export interface ReminderAction {
  title: string;
  startsAt: Date;
  joined: boolean;
}

/** Undefined when the action is gone or no longer published (cancelled after the reminder went out). */
export async function reminderAction(db: Database, actionId: number, userId: number): Promise<ReminderAction | undefined> {
  const [row] = await db
    .select({ title: actions.title, startsAt: actions.startsAt, actionStatus: actions.status, status: participations.status })
    .from(actions)
    .leftJoin(participations, and(eq(participations.actionId, actions.id), eq(participations.userId, userId)))
    .where(eq(actions.id, actionId))
    .limit(1);
  if (!row || row.actionStatus !== "published") return undefined;
  return { title: row.title, startsAt: row.startsAt, joined: row.status === "joined" };
}

export type ClubConfirmation =
  | { status: "confirmed"; club: string; occursAt: Date }
  | { status: "refused"; reason: "not_found" | "not_member" | "past" };

/**
 * A member confirms they will come to a club meeting on a date (YYYYMMDD, local). The club's coordinator is told
 * through the outbox, once per member and meeting, however often the button is pressed.
 */
export async function confirmClubMeeting(
  db: Database,
  meetingId: number,
  userId: number,
  localDate: string,
  now = new Date(),
): Promise<ClubConfirmation> {
  const date = /^(\d{4})(\d{2})(\d{2})$/.exec(localDate);
  const [meeting] = await db
    .select({
      weekday: clubMeetings.weekday,
      startMinute: clubMeetings.startMinute,
      active: clubMeetings.active,
      clubId: clubs.id,
      club: clubs.name,
      coordinatorId: clubs.coordinatorId,
    })
    .from(clubMeetings)
    .innerJoin(clubs, eq(clubs.id, clubMeetings.clubId))
    .where(eq(clubMeetings.id, meetingId))
    .limit(1);
  if (!date || !meeting?.active) return { status: "refused", reason: "not_found" };
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay() || 7;
  if (weekday !== meeting.weekday) return { status: "refused", reason: "not_found" };
  const occursAt = localMoment(year, month, day, meeting.startMinute);
  if (occursAt <= now) return { status: "refused", reason: "past" };

  const [member] = await db
    .select({ firstName: users.firstName })
    .from(clubMembers)
    .innerJoin(users, eq(users.id, clubMembers.userId))
    .where(and(eq(clubMembers.clubId, meeting.clubId), eq(clubMembers.userId, userId)))
    .limit(1);
  if (!member) return { status: "refused", reason: "not_member" };

  if (meeting.coordinatorId && meeting.coordinatorId !== userId) {
    const [coordinator] = await db.select({ language: users.language }).from(users).where(eq(users.id, meeting.coordinatorId));
    await enqueue(db, {
      chatId: meeting.coordinatorId,
      idempotencyKey: `club-yes:${meetingId}:${localDate}:${userId}`,
      expiresAt: occursAt,
      content: {
        template: "reminders.club_coordinator_notice",
        locale: coordinator?.language === "ru" ? "ru" : "kk",
        params: {
          name: member.firstName ?? { $t: "reminders.someone" },
          club: meeting.club,
          date: at.date(occursAt),
          time: at.time(occursAt),
        },
      },
    });
  }
  return { status: "confirmed", club: meeting.club, occursAt };
}
