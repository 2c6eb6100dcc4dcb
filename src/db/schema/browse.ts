import { bigint, doublePrecision, integer, pgTable, smallint, text, timestamp } from "drizzle-orm/pg-core";
import { users } from "./users";

/**
 * A volunteer's nearby-actions session: where the search starts from, the filters and the page, so any bot
 * instance can continue it. awaiting_location_at marks that the bot asked for a location (a location message
 * soon after is a search origin, not a settings change).
 */
export const browseStates = pgTable("browse_states", {
  userId: bigint("user_id", { mode: "number" })
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  latitude: doublePrecision("latitude"),
  longitude: doublePrecision("longitude"),
  originAt: timestamp("origin_at", { withTimezone: true }),
  /** Superseded by `categories` (kept so no data is dropped; no longer read or written). */
  category: text("category"),
  /** The chosen categories: null = never chosen (the volunteer's interests, if any), empty = all. */
  categories: text("categories").array(),
  /** How far from the origin the list reaches; null = the whole country. */
  radiusKm: smallint("radius_km").default(50),
  period: text("period").notNull().default("all"),
  page: integer("page").notNull().default(0),
  awaitingLocationAt: timestamp("awaiting_location_at", { withTimezone: true }),
  /** What the awaited location is for: 'search' (a search origin) or 'save' (settings stores it). */
  awaitingLocationFor: text("awaiting_location_for"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type BrowseState = typeof browseStates.$inferSelect;
