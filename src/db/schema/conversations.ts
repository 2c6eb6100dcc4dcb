import { index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * State of @grammyjs/conversations, one row per private chat (key = String(user id)), so any bot instance can
 * resume a conversation. Rows untouched for a day are expired and swept (src/domain/conversation-state.ts).
 */
export const conversationStates = pgTable(
  "conversation_states",
  {
    key: text("key").primaryKey(),
    state: jsonb("state").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("conversation_states_updated_idx").on(t.updatedAt)],
);
