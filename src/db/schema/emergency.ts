import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { regions } from "./regions";
import { users } from "./users";

export const EMERGENCY_SKILLS = [
  "first_aid",
  "rescue",
  "flood",
  "wildfire",
  "driver",
  "psychologist",
  "other",
] as const;
export type EmergencySkill = (typeof EMERGENCY_SKILLS)[number];

/** A volunteer's emergency readiness: skills, a trained mobile group, paused or active, a phone for coordinators. */
export const emergencyProfiles = pgTable("emergency_profiles", {
  userId: bigint("user_id", { mode: "number" })
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  skills: text("skills").array().notNull().default(sql`'{}'::text[]`),
  mobileGroup: boolean("mobile_group").notNull().default(false),
  /** Readiness paused: no call-outs. */
  pausedAt: timestamp("paused_at", { withTimezone: true }),
  /** The person's own number, shared with the contact button: shown to the coordinator of a call-out they answer. */
  phone: text("phone"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const CALLOUT_STATUSES = ["open", "closed"] as const;
export type CalloutStatus = (typeof CALLOUT_STATUSES)[number];

/** An emergency call-out by a coordinator or an admin: to a region, or within a radius of a point. */
export const callouts = pgTable(
  "callouts",
  {
    id: serial("id").primaryKey(),
    regionCode: text("region_code").references(() => regions.code),
    centerLatitude: doublePrecision("center_latitude"),
    centerLongitude: doublePrecision("center_longitude"),
    radiusKm: integer("radius_km"),
    /** Needed skills; empty: anyone ready. */
    skills: text("skills").array().notNull().default(sql`'{}'::text[]`),
    needed: integer("needed").notNull(),
    meetingLatitude: doublePrecision("meeting_latitude").notNull(),
    meetingLongitude: doublePrecision("meeting_longitude").notNull(),
    meetAt: timestamp("meet_at", { withTimezone: true }).notNull(),
    text: text("text").notNull(),
    /** The final plan sent to those coming when it was closed. */
    finalText: text("final_text"),
    status: text("status").$type<CalloutStatus>().notNull().default("open"),
    createdBy: bigint("created_by", { mode: "number" }),
    /** A random id of the /callout conversation that launched it: a replayed launch finds this row. */
    launchKey: text("launch_key").unique(),
    /** The coordinator's live tally message. */
    tallyChatId: bigint("tally_chat_id", { mode: "number" }),
    tallyMessageId: integer("tally_message_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp("closed_at", { withTimezone: true }),
  },
  (t) => [
    check("callouts_status_check", sql`${t.status} in ('open', 'closed')`),
    check("callouts_target_check", sql`${t.regionCode} is not null or ${t.radiusKm} is not null`),
  ],
);

export const CALLOUT_ANSWERS = ["coming", "cant"] as const;
export type CalloutAnswer = (typeof CALLOUT_ANSWERS)[number];

/** One answer per volunteer and call-out (a second press only updates it when it changes). */
export const calloutAnswers = pgTable(
  "callout_answers",
  {
    calloutId: integer("callout_id")
      .notNull()
      .references(() => callouts.id, { onDelete: "cascade" }),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    answer: text("answer").$type<CalloutAnswer>().notNull(),
    answeredAt: timestamp("answered_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.calloutId, t.userId] }),
    index("callout_answers_user_idx").on(t.userId),
    check("callout_answers_answer_check", sql`${t.answer} in ('coming', 'cant')`),
  ],
);
