import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
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
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { regions } from "./regions";
import { users } from "./users";

export const ORGANIZATION_KINDS = ["ngo", "university", "school", "akimat", "business", "initiative"] as const;
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];
export const ORGANIZATION_STATUSES = ["pending", "approved", "rejected"] as const;
export type OrganizationStatus = (typeof ORGANIZATION_STATUSES)[number];

/**
 * An NGO, university, school, akimat department, business or initiative group that publishes actions. It starts
 * as an application (`pending`) decided by the region's coordinators or an admin; only an `approved` one acts.
 * The name is given in Kazakh, Russian or both (at least one).
 */
export const organizations = pgTable(
  "organizations",
  {
    id: serial("id").primaryKey(),
    nameKk: text("name_kk"),
    nameRu: text("name_ru"),
    kind: text("kind").$type<OrganizationKind>().notNull().default("ngo"),
    regionCode: text("region_code").references(() => regions.code),
    /** The applicant's contact phone, shared with Telegram's contact button. */
    phone: text("phone"),
    description: text("description").notNull().default(""),
    /** Business identification number (12 digits), optional. */
    bin: text("bin"),
    status: text("status").$type<OrganizationStatus>().notNull().default("pending"),
    rejectReason: text("reject_reason"),
    decidedBy: bigint("decided_by", { mode: "number" }).references(() => users.id),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    /** The applicant, who owns the organization and invites the other organizers. */
    ownerId: bigint("owner_id", { mode: "number" }).references(() => users.id),
    /** The secret of the `o_<token>` invite link; replaced to revoke old links. */
    inviteToken: text("invite_token").unique(),
    verifiedAt: timestamp("verified_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("organizations_name_check", sql`coalesce(${t.nameKk}, ${t.nameRu}) is not null`),
    check("organizations_status_check", sql`${t.status} in ('pending', 'approved', 'rejected')`),
    check(
      "organizations_kind_check",
      sql`${t.kind} in ('ngo', 'university', 'school', 'akimat', 'business', 'initiative')`,
    ),
    /** One application at a time per applicant. */
    uniqueIndex("organizations_one_pending").on(t.ownerId).where(sql`${t.status} = 'pending'`),
    index("organizations_region_idx").on(t.regionCode, t.status),
  ],
);

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
    /** Title, description and address in Kazakh and/or Russian: a volunteer sees theirs, else the other. */
    titleKk: text("title_kk"),
    titleRu: text("title_ru"),
    descriptionKk: text("description_kk"),
    descriptionRu: text("description_ru"),
    category: text("category").notNull(),
    regionCode: text("region_code").references(() => regions.code),
    addressKk: text("address_kk"),
    addressRu: text("address_ru"),
    /** The meeting point; when the organizer gave only an address, the region's center and has_pin = false. */
    latitude: doublePrecision("latitude").notNull(),
    longitude: doublePrecision("longitude").notNull(),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    endsAt: timestamp("ends_at", { withTimezone: true }).notNull(),
    /** null: unlimited. */
    capacity: integer("capacity"),
    participantsCount: integer("participants_count").notNull().default(0),
    /** Hours credited for attendance. */
    hours: numeric("hours", { precision: 4, scale: 1, mode: "number" }).notNull().default(0),
    marathonId: integer("marathon_id").references(() => marathons.id),
    /** false: the coordinates are the region's center (the organizer gave an address only); no venue pin is sent. */
    hasPin: boolean("has_pin").notNull().default(true),
    /** Volunteers who did not join may check in at the venue. */
    walkIns: boolean("walk_ins").notNull().default(false),
    /** The secret of the check-in QR code's `c_<token>` link. */
    checkinToken: text("checkin_token").unique(),
    cancelReason: text("cancel_reason"),
    publishedAt: timestamp("published_at", { withTimezone: true }),
    status: text("status").$type<ActionStatus>().notNull().default("published"),
    createdBy: bigint("created_by", { mode: "number" }).references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("actions_geo_idx").using("gist", sql`ll_to_earth(${t.latitude}, ${t.longitude})`),
    /**
     * The list with a period and a radius: the radius box and the start-time window are both conditions of one
     * GiST scan (btree_gist) that also yields KNN order; only published actions are listed, so only they are indexed.
     */
    index("actions_published_geo_start_idx")
      .using("gist", sql`ll_to_earth(${t.latitude}, ${t.longitude})`, t.startsAt)
      .where(sql`${t.status} = 'published'`),
    index("actions_status_start_idx").on(t.status, t.startsAt),
    index("actions_organization_idx").on(t.organizationId, t.startsAt),
    check("actions_title_check", sql`coalesce(${t.titleKk}, ${t.titleRu}) is not null`),
    check("actions_capacity_check", sql`${t.capacity} is null or ${t.capacity} > 0`),
    check(
      "actions_count_check",
      sql`${t.participantsCount} >= 0 and (${t.capacity} is null or ${t.participantsCount} <= ${t.capacity})`,
    ),
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
    /**
     * 'joined' | 'waitlisted': where a user who left was, so Undo puts them back there (the row keeps its queued_seq,
     * so a waitlisted user returns to their former place); null while joined or waitlisted.
     */
    leftFrom: text("left_from").$type<"joined" | "waitlisted">(),
    queuedSeq: bigserial("queued_seq", { mode: "number" }).notNull(),
    /** 'attended' | 'no_show', set by the organizer. */
    attendance: text("attendance"),
    /** Set when the volunteer opened the action's check-in link at the venue. */
    checkedInAt: timestamp("checked_in_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.actionId, t.userId] }),
    index("participations_user_idx").on(t.userId, t.status),
    index("participations_waitlist_idx").on(t.actionId, t.status, t.queuedSeq),
    check("participations_status_check", sql`${t.status} in ('joined', 'waitlisted', 'left')`),
    check("participations_left_from_check", sql`${t.leftFrom} in ('joined', 'waitlisted')`),
  ],
);

export type Action = typeof actions.$inferSelect;
export type Participation = typeof participations.$inferSelect;
export type Marathon = typeof marathons.$inferSelect;
export type Organization = typeof organizations.$inferSelect;
