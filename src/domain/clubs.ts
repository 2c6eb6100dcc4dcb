import { and, eq } from "drizzle-orm";
import { localMoment } from "../core/time";
import type { Database } from "../db/client";
import { at, enqueue } from "../db/outbox";
import { clubMembers, clubMeetings, clubs, outbox, users } from "../db/schema";

/** The prefix of a club reminder's idempotency key; the scheduler builds the rest in SQL (`clubMeetingReminders`). */
export const CLUB_REMINDER_PREFIX = "club:";

/**
 * The idempotency key of a member's reminder for one occurrence of a meeting (local date YYYYMMDD): a confirmation is
 * accepted only for a reminder that exists.
 */
export function clubReminderKey(meetingId: number, localDate: string, userId: number): string {
  return `${CLUB_REMINDER_PREFIX}${meetingId}:${localDate}:${userId}`;
}

export type ClubConfirmation =
  | { status: "confirmed"; club: string; occursAt: Date }
  | { status: "refused"; reason: "not_found" | "not_member" | "past" };

/**
 * A member confirms they will come to a club meeting on a date (YYYYMMDD, local). Only the date a reminder was made
 * for counts (a forged button with another date is refused as not found). The club's coordinator is told through the
 * outbox, once per member and occurrence, however often the button is pressed.
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
  const [reminded] = await db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.idempotencyKey, clubReminderKey(meetingId, localDate, userId)), eq(outbox.chatId, userId)))
    .limit(1);
  if (!reminded) return { status: "refused", reason: "not_found" };

  if (meeting.coordinatorId && meeting.coordinatorId !== userId) {
    const [coordinator] = await db
      .select({ language: users.language })
      .from(users)
      .where(eq(users.id, meeting.coordinatorId));
    await enqueue(db, {
      chatId: meeting.coordinatorId,
      idempotencyKey: `club-yes:${meetingId}:${localDate}:${userId}`,
      expiresAt: occursAt,
      aboutUserId: userId,
      content: {
        template: "reminders.club_coordinator_notice",
        locale: coordinator?.language === "ru" ? "ru" : "kk",
        params: {
          name: member.firstName ?? { $t: "reminders.someone" },
          club: meeting.club,
          date: at.day(occursAt),
          time: at.time(occursAt),
        },
      },
    });
  }
  return { status: "confirmed", club: meeting.club, occursAt };
}
