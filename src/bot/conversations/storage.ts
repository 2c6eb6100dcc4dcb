import type { ConversationData, VersionedStateStorage } from "@grammyjs/conversations";
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { conversationStates } from "../../db/schema";

type Stored = Parameters<VersionedStateStorage<string, ConversationData>["write"]>[1];

/** Conversation state in the database, so a restart or another instance resumes it. */
export function databaseConversationStorage(db: Database): VersionedStateStorage<string, ConversationData> {
  return {
    async read(key) {
      const [row] = await db
        .select({ state: conversationStates.state })
        .from(conversationStates)
        .where(eq(conversationStates.key, key));
      return row?.state as Stored | undefined;
    },
    async write(key, state) {
      await db
        .insert(conversationStates)
        .values({ key, state })
        .onConflictDoUpdate({ target: conversationStates.key, set: { state, updatedAt: new Date() } });
    },
    async delete(key) {
      await db.delete(conversationStates).where(eq(conversationStates.key, key));
    },
  };
}
