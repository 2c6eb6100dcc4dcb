import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { actions } from "./actions";
import { users } from "./users";

export const HOUR_SOURCES = ["attendance", "self"] as const;
export const HOUR_STATUSES = ["pending", "confirmed", "rejected"] as const;
export type HourSource = (typeof HOUR_SOURCES)[number];
export type HourStatus = (typeof HOUR_STATUSES)[number];

/**
 * Volunteer hours: attendance confirmed by an organizer (confirmed at once), or self-reported (pending until an
 * organizer decides). Attendance is credited at most once per action and user.
 */
export const hourEntries = pgTable(
  "hour_entries",
  {
    id: serial("id").primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id),
    source: text("source").$type<HourSource>().notNull(),
    actionId: integer("action_id").references(() => actions.id),
    /** Free-form organization for self-reports without an action. */
    organizationName: text("organization_name"),
    category: text("category"),
    activityDate: date("activity_date", { mode: "string" }).notNull(),
    hours: numeric("hours", { precision: 4, scale: 1, mode: "number" }).notNull(),
    note: text("note"),
    status: text("status").$type<HourStatus>().notNull(),
    decidedBy: bigint("decided_by", { mode: "number" }).references(() => users.id),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    /** The organizer's reason when a self-report is rejected. */
    rejectReason: text("reject_reason"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set by a conversation step, so a replay after a crash finds the row instead of inserting another. */
    idempotencyKey: text("idempotency_key"),
  },
  (t) => [
    uniqueIndex("hour_entries_idempotency_key").on(t.idempotencyKey),
    index("hour_entries_user_idx").on(t.userId, t.activityDate),
    uniqueIndex("hour_entries_attendance_once").on(t.actionId, t.userId).where(sql`${t.source} = 'attendance'`),
    check("hour_entries_hours_check", sql`${t.hours} >= 0.5 and ${t.hours} <= 24`),
    check("hour_entries_source_check", sql`${t.source} in ('attendance', 'self')`),
    check("hour_entries_status_check", sql`${t.status} in ('pending', 'confirmed', 'rejected')`),
  ],
);

/**
 * An exported volunteer book; its code lets a university or employer verify it (/verify CODE). A book is revoked
 * when its holder withdraws consent or deletes the account: the code stays (so /verify can say the book was
 * revoked instead of "unknown"), the holder (user_id, holder_name) and the entries' fingerprint are erased.
 */
export const volunteerBooks = pgTable(
  "volunteer_books",
  {
    code: text("code").primaryKey(),
    /** null once revoked. */
    userId: bigint("user_id", { mode: "number" }).references(() => users.id),
    periodFrom: date("period_from", { mode: "string" }).notNull(),
    periodTo: date("period_to", { mode: "string" }).notNull(),
    totalHours: numeric("total_hours", { precision: 7, scale: 1, mode: "number" }).notNull(),
    entries: integer("entries").notNull(),
    /** The name as printed; null once revoked. */
    holderName: text("holder_name"),
    /** Fingerprint of the confirmed entries (ids, days, hours) in the book: the same set reuses the book and its code. */
    entriesHash: text("entries_hash"),
    /** The entries as printed (day, organization, action, hours), shown by /verify; null once revoked. */
    printedEntries: jsonb("printed_entries").$type<PrintedEntry[]>(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("volunteer_books_user_idx").on(t.userId, t.periodFrom, t.periodTo)],
);

/**
 * Confirmed hours of deleted accounts, kept only as totals for statistics: per month, region and category, merged
 * with every other deleted account's hours of the same key, with nothing that leads back to a person.
 */
export const anonymousHours = pgTable(
  "anonymous_hours",
  {
    /** "2026-03" */
    month: text("month").notNull(),
    /** The action's region, else the person's region at deletion; "" when neither is known. */
    regionCode: text("region_code").notNull().default(""),
    /** "" when the entry had none. */
    category: text("category").notNull().default(""),
    hours: numeric("hours", { precision: 9, scale: 1, mode: "number" }).notNull(),
    entries: integer("entries").notNull(),
  },
  (t) => [primaryKey({ columns: [t.month, t.regionCode, t.category] })],
);

/** One line of a volunteer book as printed. */
export interface PrintedEntry {
  date: string;
  organization: string | null;
  action: string | null;
  hours: number;
}

export type HourEntry = typeof hourEntries.$inferSelect;
export type VolunteerBook = typeof volunteerBooks.$inferSelect;
