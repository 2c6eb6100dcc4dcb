import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  check,
  doublePrecision,
  index,
  integer,
  numeric,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { regions } from "./regions";
import { users } from "./users";

/** An NGO, university or akimat department that publishes actions. */
export const organizations = pgTable("organizations", {
  id: serial("id").primaryKey(),
  name: text("name").notNull(),
  regionCode: text("region_code").references(() => regions.code),
  ownerId: bigint("owner_id", { mode: "number" }).references(() => users.id),
  verifiedAt: timestamp("verified_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const ACTION_STATUSES = ["draft", "published", "cancelled"] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export const marathons = pgTable("marathons", {
  id: serial("id").primaryKey(),
  code: text("code").notNull().unique(),
  titleKk: text("title_kk").notNull(),
  titleRu: text("title_ru").notNull(),
  descriptionKk: text("description_kk").notNull().default(""),
  descriptionRu: text("description_ru").notNull().default(""),
  /** null: a national marathon. */
  regionCode: text("region_code").references(() => regions.code),
  startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
  endsAt: timestamp("ends_at", { withTimezone: true }).notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A volunteer action. participants_count is kept by the join/leave transaction (under the action's row lock),
 * so lists show spots left without counting.
 */
export const actions = pgTable(
  "actions",
  {
    id: serial("id").primaryKey(),
    organizationId: integer("organization_id").references(() => organizations.id),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    category: text("category").notNull(),
    regionCode: text("region_code").references(() => regions.code),
    address: text("address").notNull().default(""),
    latitude: doublePrecision("latitude").notNull(),
    longitude: doublePrecision("longitude").notNull(),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    endsAt: timestamp("ends_at", { withTimezone: true }).notNull(),
    capacity: integer("capacity").notNull(),
    participantsCount: integer("participants_count").notNull().default(0),
    /** Hours credited for attendance. */
    hours: numeric("hours", { precision: 4, scale: 1, mode: "number" }).notNull().default(0),
    marathonId: integer("marathon_id").references(() => marathons.id),
    status: text("status").$type<ActionStatus>().notNull().default("published"),
    createdBy: bigint("created_by", { mode: "number" }).references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("actions_geo_idx").using("gist", sql`ll_to_earth(${t.latitude}, ${t.longitude})`),
    index("actions_status_start_idx").on(t.status, t.startsAt),
    check("actions_capacity_check", sql`${t.capacity} > 0`),
    check("actions_count_check", sql`${t.participantsCount} >= 0 and ${t.participantsCount} <= ${t.capacity}`),
    check("actions_time_check", sql`${t.endsAt} > ${t.startsAt}`),
    check("actions_status_check", sql`${t.status} in ('draft', 'published', 'cancelled')`),
  ],
);

export const PARTICIPATION_STATUSES = ["joined", "waitlisted", "left"] as const;
export type ParticipationStatus = (typeof PARTICIPATION_STATUSES)[number];

/** One row per (action, user); the waitlist order is `queued_seq` among the waitlisted. */
export const participations = pgTable(
  "participations",
  {
    actionId: integer("action_id")
      .notNull()
      .references(() => actions.id),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id),
    status: text("status").$type<ParticipationStatus>().notNull(),
    queuedSeq: bigserial("queued_seq", { mode: "number" }).notNull(),
    /** 'attended' | 'no_show', set by the organizer. */
    attendance: text("attendance"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.actionId, t.userId] }),
    index("participations_user_idx").on(t.userId, t.status),
    index("participations_waitlist_idx").on(t.actionId, t.status, t.queuedSeq),
    check("participations_status_check", sql`${t.status} in ('joined', 'waitlisted', 'left')`),
  ],
);

export type Action = typeof actions.$inferSelect;
export type Participation = typeof participations.$inferSelect;
export type Marathon = typeof marathons.$inferSelect;
export type Organization = typeof organizations.$inferSelect;
