import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
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
export const clubs = pgTable("clubs", {
  id: serial("id").primaryKey(),
  name: text("name").notNull(),
  regionCode: text("region_code").references(() => regions.code),
  address: text("address").notNull().default(""),
  coordinatorId: bigint("coordinator_id", { mode: "number" }).references(() => users.id),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

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

export type Club = typeof clubs.$inferSelect;
export type ClubMeeting = typeof clubMeetings.$inferSelect;
