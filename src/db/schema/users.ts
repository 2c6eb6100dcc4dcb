import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  pgTable,
  smallint,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { regions } from "./regions";

export const USER_ROLES = ["volunteer", "organizer", "coordinator", "admin"] as const;
export const ALERT_MODES = ["instant", "digest", "off"] as const;
export type AlertMode = (typeof ALERT_MODES)[number];

export type UserRole = (typeof USER_ROLES)[number];

/**
 * A Telegram user. Without consent (consent_at is null) only the id, the language and the
 * onboarding mark are kept: every other personal column stays null.
 */
export const users = pgTable(
  "users",
  {
    id: bigint("id", { mode: "number" }).primaryKey(),
    firstName: text("first_name"),
    lastName: text("last_name"),
    username: text("username"),
    /** The full name as in the person's ID, asked before the first volunteer book; printed on the books. */
    fullName: text("full_name"),
    language: text("language"),
    regionCode: text("region_code").references(() => regions.code),
    interests: text("interests").array().notNull().default(sql`'{}'::text[]`),
    consentAt: timestamp("consent_at", { withTimezone: true }),
    latitude: doublePrecision("latitude"),
    longitude: doublePrecision("longitude"),
    locationAt: timestamp("location_at", { withTimezone: true }),
    role: text("role").$type<UserRole>().notNull().default("volunteer"),
    onboardedAt: timestamp("onboarded_at", { withTimezone: true }),
    /** Availability paused: no joining, no reminders for actions. */
    pausedAt: timestamp("paused_at", { withTimezone: true }),
    reminder24h: boolean("reminder_24h").notNull().default(true),
    reminder2h: boolean("reminder_2h").notNull().default(true),
    /** Quiet hours in minutes after local midnight (Asia/Almaty); normal messages wait until they end. */
    quietStartMinute: smallint("quiet_start_minute")
      .notNull()
      .default(22 * 60),
    quietEndMinute: smallint("quiet_end_minute")
      .notNull()
      .default(8 * 60),
    /** New actions matching region and interests: at once, in a daily digest (19:00 local), or not at all. */
    alertMode: text("alert_mode").$type<AlertMode>().notNull().default("digest"),
    /** With a shared location: alerts only for actions this close. */
    alertRadiusKm: smallint("alert_radius_km").notNull().default(30),
    blockedAt: timestamp("blocked_at", { withTimezone: true }),
    /** Senior mode (longevity clubs): a reply keyboard of four big buttons, one short message at a time. */
    seniorMode: boolean("senior_mode").notNull().default(false),
    /**
     * The staff command menu last set for this person's chat ("organizer,coordinator:ru"); null: the everyone's menu
     * (src/domain/command-menu.ts).
     */
    commandMenu: text("command_menu"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("users_language_check", sql`${t.language} in ('kk', 'ru')`),
    check("users_alert_mode_check", sql`${t.alertMode} in ('instant', 'digest', 'off')`),
    check("users_alert_radius_check", sql`${t.alertRadiusKm} between 1 and 1000`),
    check("users_role_check", sql`${t.role} in ('volunteer', 'organizer', 'coordinator', 'admin')`),
    index("users_region_idx").on(t.regionCode),
    // The command-menu job visits only the people with a staff menu (and the staff tables' people).
    index("users_command_menu_idx").on(t.id).where(sql`${t.commandMenu} is not null`),
  ],
);

export type User = typeof users.$inferSelect;
