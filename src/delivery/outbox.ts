import type { InlineKeyboardMarkup } from "grammy/types";
import type { Executor } from "../db/client";
import { outbox, PRIORITY } from "../db/schema";

/** A message rendered now (text), or a locale template rendered when it is sent (domain code has no i18n). */
export type OutboxContent =
  | { text: string; replyMarkup?: InlineKeyboardMarkup }
  | {
      template: string;
      params?: Record<string, unknown>;
      locale: "kk" | "ru";
      /** Rows of buttons whose labels are locale keys. */
      buttons?: Array<Array<{ textKey: string; data: string }>>;
    };

export interface OutboxMessage {
  chatId: number;
  /** The same key is enqueued once, however often a job runs (e.g. `rem24:<action>:<user>`). */
  idempotencyKey: string;
  priority?: keyof typeof PRIORITY;
  notBefore?: Date;
  /** Groups broadcast items for progress and reports. */
  batch?: string;
  content: OutboxContent;
}

/** Enqueues messages (in the caller's transaction when given one); returns how many were new. */
export async function enqueue(db: Executor, items: OutboxMessage | OutboxMessage[]): Promise<number> {
  const list = Array.isArray(items) ? items : [items];
  if (list.length === 0) return 0;
  const inserted = await db
    .insert(outbox)
    .values(
      list.map((item) => ({
        chatId: item.chatId,
        kind: "message",
        payload: item.content,
        priority: PRIORITY[item.priority ?? "normal"],
        notBefore: item.notBefore ?? new Date(),
        idempotencyKey: item.idempotencyKey,
        batch: item.batch ?? null,
      })),
    )
    .onConflictDoNothing({ target: outbox.idempotencyKey })
    .returning({ id: outbox.id });
  return inserted.length;
}
