import { jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** State of @grammyjs/conversations, one row per chat, so any bot instance can resume a conversation. */
export const conversationStates = pgTable("conversation_states", {
  key: text("key").primaryKey(),
  state: jsonb("state").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
