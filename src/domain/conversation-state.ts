import { eq, lt } from "drizzle-orm";
import type { Database, Executor } from "../db/client";
import { conversationStates } from "../db/schema";

/** A conversation left alone this long is over: its state is dropped on the next update and swept hourly. */
export const CONVERSATION_TTL_MS = 24 * 3_600_000;

export interface StoredConversation {
  state: unknown;
  updatedAt: Date;
}

/** The conversation state of one private chat (key = String(user id)). */
export async function readConversationState(db: Database, key: string): Promise<StoredConversation | undefined> {
  const [row] = await db
    .select({ state: conversationStates.state, updatedAt: conversationStates.updatedAt })
    .from(conversationStates)
    .where(eq(conversationStates.key, key));
  return row;
}

export async function writeConversationState(
  db: Database,
  key: string,
  state: unknown,
  now = new Date(),
): Promise<void> {
  await db
    .insert(conversationStates)
    .values({ key, state, updatedAt: now })
    .onConflictDoUpdate({ target: conversationStates.key, set: { state, updatedAt: now } });
}

export async function deleteConversationState(db: Executor, key: string): Promise<void> {
  await db.delete(conversationStates).where(eq(conversationStates.key, key));
}

/** Scheduler job: deletes the state of conversations silent for longer than CONVERSATION_TTL_MS. */
export async function forgetExpiredConversations(db: Executor, now = new Date()): Promise<number> {
  await db
    .delete(conversationStates)
    .where(lt(conversationStates.updatedAt, new Date(now.getTime() - CONVERSATION_TTL_MS)));
  return 0; // nothing enqueued
}
