import { sql } from "drizzle-orm";
import {
  bigint,
  check,
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
import { marathons } from "./actions";
import { users } from "./users";

export const marathonParticipants = pgTable(
  "marathon_participants",
  {
    marathonId: integer("marathon_id")
      .notNull()
      .references(() => marathons.id),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id),
    joinedAt: timestamp("joined_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.marathonId, t.userId] })],
);

/**
 * A good deed reported in a marathon; the photo stays on Telegram's servers (file_id). Withdrawing consent erases
 * the text and the photo (both null) and keeps the deed, so marathon counts stay as they were.
 */
export const marathonDeeds = pgTable(
  "marathon_deeds",
  {
    id: serial("id").primaryKey(),
    marathonId: integer("marathon_id")
      .notNull()
      .references(() => marathons.id),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id),
    text: text("text"),
    photoFileId: text("photo_file_id"),
    hours: numeric("hours", { precision: 4, scale: 1, mode: "number" }).notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set by the deed conversation, so a replay after a crash finds the row instead of inserting another. */
    idempotencyKey: text("idempotency_key"),
  },
  (t) => [
    uniqueIndex("marathon_deeds_idempotency_key").on(t.idempotencyKey),
    index("marathon_deeds_marathon_user_idx").on(t.marathonId, t.userId),
    check("marathon_deeds_text_check", sql`${t.text} is null or char_length(${t.text}) between 1 and 1000`),
  ],
);

export type MarathonDeed = typeof marathonDeeds.$inferSelect;
