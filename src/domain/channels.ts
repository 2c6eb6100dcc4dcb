import { and, asc, eq, inArray } from "drizzle-orm";
import type { Database, Executor } from "../db/client";
import { enqueue } from "../db/outbox";
import { type LinkedChat, type LinkedChatKind, linkedChats, organizations, users } from "../db/schema";
import { pick } from "./localized";

/**
 * Channels and groups where an organization publishes its actions. One chat belongs to one organization; the bot and
 * the organizer who linked it were admins there when it was linked (checked by the bot with getChatMember).
 */

/** Telegram's chat ids of groups and channels are negative; a channel's or supergroup's is -100…. */
export function isGroupChatId(id: number): boolean {
  return Number.isSafeInteger(id) && id < 0 && id > -10_000_000_000_000;
}

export async function linkedChatsOf(db: Executor, organizationIds: number[]): Promise<LinkedChat[]> {
  if (organizationIds.length === 0) return [];
  return db
    .select()
    .from(linkedChats)
    .where(inArray(linkedChats.organizationId, organizationIds))
    .orderBy(asc(linkedChats.linkedAt), asc(linkedChats.chatId));
}

export async function findLinkedChat(db: Executor, chatId: number): Promise<LinkedChat | undefined> {
  if (!isGroupChatId(chatId)) return undefined;
  const [row] = await db.select().from(linkedChats).where(eq(linkedChats.chatId, chatId)).limit(1);
  return row;
}

export interface ChatToLink {
  chatId: number;
  organizationId: number;
  kind: LinkedChatKind;
  title: string;
  username?: string;
  linkedBy: number;
}

export type LinkResult = { status: "linked" | "already_linked" } | { status: "other_organization" };

/**
 * Links the chat to the organization. A chat already linked to another organization stays theirs (the other
 * organization must unlink it first); linking it again to the same one refreshes its title.
 */
export async function linkChat(db: Database, chat: ChatToLink, now = new Date()): Promise<LinkResult> {
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ organizationId: linkedChats.organizationId })
      .from(linkedChats)
      .where(eq(linkedChats.chatId, chat.chatId))
      .for("update");
    if (existing && existing.organizationId !== chat.organizationId) return { status: "other_organization" };
    await tx
      .insert(linkedChats)
      .values({ ...chat, username: chat.username ?? null, linkedAt: now })
      .onConflictDoUpdate({
        target: linkedChats.chatId,
        set: { title: chat.title, username: chat.username ?? null, kind: chat.kind },
      });
    return { status: existing ? "already_linked" : "linked" };
  });
}

/** Unlinks the chat from this organization; false when it is not linked to it. */
export async function unlinkChat(db: Executor, chatId: number, organizationId: number): Promise<boolean> {
  if (!isGroupChatId(chatId)) return false;
  const deleted = await db
    .delete(linkedChats)
    .where(and(eq(linkedChats.chatId, chatId), eq(linkedChats.organizationId, organizationId)))
    .returning({ chatId: linkedChats.chatId });
  return deleted.length > 0;
}

/**
 * The bot was removed from a linked chat or lost the right to post there: the chat is unlinked and the organizer
 * who linked it is told through the outbox (in their language). Returns whether a linked chat was found.
 */
export async function chatLost(db: Database, chatId: number, now = new Date()): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [gone] = await tx.delete(linkedChats).where(eq(linkedChats.chatId, chatId)).returning();
    if (!gone) return false;
    if (gone.linkedBy !== null) {
      const [who] = await tx
        .select({ language: users.language, nameKk: organizations.nameKk, nameRu: organizations.nameRu })
        .from(users)
        .innerJoin(organizations, eq(organizations.id, gone.organizationId))
        .where(eq(users.id, gone.linkedBy));
      if (who) {
        const locale = who.language === "ru" ? "ru" : "kk";
        await enqueue(tx, {
          chatId: gone.linkedBy,
          idempotencyKey: `chatlost:${chatId}:${now.getTime()}`,
          content: {
            template: "channels.lost_notice",
            params: { title: gone.title, organization: pick(who.nameKk, who.nameRu, locale) },
            locale,
          },
        });
      }
    }
    return true;
  });
}

/** The names of organizations (for buttons when an organizer belongs to several), in the reader's language. */
export async function organizationNames(
  db: Executor,
  ids: number[],
  locale: "kk" | "ru",
): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: organizations.id, nameKk: organizations.nameKk, nameRu: organizations.nameRu })
    .from(organizations)
    .where(inArray(organizations.id, ids));
  return new Map(rows.map((r) => [r.id, pick(r.nameKk, r.nameRu, locale)]));
}
