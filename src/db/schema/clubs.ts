import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  date,
  doublePrecision,
  integer,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { regions } from "./regions";
import { users } from "./users";

/** A longevity club for citizens over 63 (PRODUCT.md: seniors). */
export const clubs = pgTable(
  "clubs",
  {
    id: serial("id").primaryKey(),
    nameKk: text("name_kk"),
    nameRu: text("name_ru"),
    regionCode: text("region_code").references(() => regions.code),
    address: text("address").notNull().default(""),
    latitude: doublePrecision("latitude"),
    longitude: doublePrecision("longitude"),
    /** The secret of the join link `k_<token>`. */
    inviteToken: text("invite_token").unique(),
    /** A short join code typed into the bot (6 characters of an unambiguous alphabet). */
    joinCode: text("join_code").unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /**
     * When the region's front office deleted the club: the row stays for its members' answer and attendance history;
     * its meetings, members, coordinators and join code are gone.
     */
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (t) => [check("clubs_name_check", sql`coalesce(${t.nameKk}, ${t.nameRu}) is not null`)],
);

/** Who runs a club (appointed by the region's front office). */
export const clubCoordinators = pgTable(
  "club_coordinators",
  {
    clubId: integer("club_id")
      .notNull()
      .references(() => clubs.id),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id),
    /** The coordinator's own phone, shared by them for members to call (never the one a front office sent). */
    phone: text("phone"),
    /** When the coordinator shared it (their consent); null: not shared, members get a username link or nothing. */
    phoneSharedAt: timestamp("phone_shared_at", { withTimezone: true }),
    addedAt: timestamp("added_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.clubId, t.userId] })],
);

export const clubMembers = pgTable(
  "club_members",
  {
    clubId: integer("club_id")
      .notNull()
      .references(() => clubs.id),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id),
    joinedAt: timestamp("joined_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.clubId, t.userId] })],
);

/** A weekly meeting: ISO weekday (1 = Monday) and local time in Asia/Almaty. */
export const clubMeetings = pgTable(
  "club_meetings",
  {
    id: serial("id").primaryKey(),
    clubId: integer("club_id")
      .notNull()
      .references(() => clubs.id),
    weekday: smallint("weekday").notNull(),
    /** Minutes after local midnight. */
    startMinute: smallint("start_minute").notNull(),
    place: text("place").notNull().default(""),
    active: boolean("active").notNull().default(true),
  },
  (t) => [
    check("club_meetings_weekday_check", sql`${t.weekday} between 1 and 7`),
    check("club_meetings_minute_check", sql`${t.startMinute} between 0 and 1439`),
  ],
);

/** A date on which a weekly meeting does not take place (local date). */
export const clubMeetingExceptions = pgTable(
  "club_meeting_exceptions",
  {
    meetingId: integer("meeting_id")
      .notNull()
      .references(() => clubMeetings.id),
    date: date("date").notNull(),
    reason: text("reason").notNull().default(""),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.meetingId, t.date] })],
);

export type ClubAnswer = "yes" | "no";

/** A member's answer for one occurrence of a meeting, and whether they came (marked by a club coordinator). */
export const clubAnswers = pgTable(
  "club_answers",
  {
    meetingId: integer("meeting_id")
      .notNull()
      .references(() => clubMeetings.id),
    date: date("date").notNull(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id),
    answer: text("answer").$type<ClubAnswer>(),
    attended: boolean("attended"),
    answeredAt: timestamp("answered_at", { withTimezone: true }).notNull().defaultNow(),
    /** The club coordinator who marked it on the member's behalf (null: the member). */
    markedBy: bigint("marked_by", { mode: "number" }),
  },
  (t) => [
    primaryKey({ columns: [t.meetingId, t.date, t.userId] }),
    check("club_answers_answer_check", sql`${t.answer} in ('yes', 'no')`),
  ],
);

export type Club = typeof clubs.$inferSelect;
export type ClubMeeting = typeof clubMeetings.$inferSelect;
