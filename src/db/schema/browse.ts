import { bigint, doublePrecision, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
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
  category: text("category"),
  period: text("period").notNull().default("all"),
  page: integer("page").notNull().default(0),
  awaitingLocationAt: timestamp("awaiting_location_at", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type BrowseState = typeof browseStates.$inferSelect;
