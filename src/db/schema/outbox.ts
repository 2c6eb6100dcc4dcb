import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  smallint,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

export const OUTBOX_STATES = ["pending", "sending", "sent", "dead"] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];
/** Lower goes first. */
export const PRIORITY = { urgent: 0, normal: 1 } as const;

/**
 * Every message that is not a direct reply goes through here: durable, idempotent (one row per key), claimed by
 * dispatchers with FOR UPDATE SKIP LOCKED.
 */
export const outbox = pgTable(
  "outbox",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    chatId: bigint("chat_id", { mode: "number" }).notNull(),
    /** OutboxKind (src/db/outbox.ts): 'message' | 'document' | 'copy' | 'photo' | 'edit' (a channel post, see
     * OutboxMessage.post, or any message with OutboxContent.edit) | 'broadcast' */
    kind: text("kind").notNull().default("message"),
    payload: jsonb("payload").notNull(),
    priority: smallint("priority").notNull().default(1),
    notBefore: timestamp("not_before", { withTimezone: true }).notNull().defaultNow(),
    idempotencyKey: text("idempotency_key").notNull().unique(),
    attempts: integer("attempts").notNull().default(0),
    state: text("state").$type<OutboxState>().notNull().default("pending"),
    /** While 'sending': when the claim expires and another dispatcher may take the row (crash safety). */
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    lastError: text("last_error"),
    /** Set for broadcast items: which broadcast they belong to (progress and reports). */
    batch: text("batch"),
    /** Whom a message to another chat is about (see OutboxMessage.aboutUserId). */
    aboutUserId: bigint("about_user_id", { mode: "number" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("outbox_due_idx").on(t.priority, t.notBefore, t.id).where(sql`${t.state} = 'pending'`),
    index("outbox_sending_idx").on(t.lockedUntil).where(sql`${t.state} = 'sending'`),
    /** A chat's messages go in order: the claim takes a row only when no earlier one of its chat is pending. */
    index("outbox_chat_pending_idx").on(t.chatId, t.id).where(sql`${t.state} = 'pending'`),
    index("outbox_batch_idx").on(t.batch, t.state),
    index("outbox_about_idx").on(t.aboutUserId).where(sql`${t.aboutUserId} is not null`),
    check("outbox_state_check", sql`${t.state} in ('pending', 'sending', 'sent', 'dead')`),
  ],
);

export type OutboxRow = typeof outbox.$inferSelect;

/**
 * Telegram's per-chat limits (about 1 message/s to a private chat, 20/min to a group), kept where every dispatcher
 * sees them. A chat has at most one outbox message in flight (`busy_until` = that claim's expiry); `free_at` is the
 * earliest moment its next message may go: the answer to the last one plus the chat's gap, or the end of a 429's
 * `retry_after`. Read and written in the claim transaction (serialised by the claim lock) and when outcomes are
 * written back. Chat id 0 (no Telegram chat has it) holds a bot-wide pause after a flood-wide 429.
 */
export const chatLimits = pgTable("chat_limits", {
  chatId: bigint("chat_id", { mode: "number" }).primaryKey(),
  freeAt: timestamp("free_at", { withTimezone: true }).notNull(),
  busyUntil: timestamp("busy_until", { withTimezone: true }),
});

/**
 * How many direct replies per second each bot instance has been sending lately (published by its dispatcher at
 * every claim), so the outbox leaves that share of the one global rate to them. Stale rows are ignored.
 */
export const replyRates = pgTable("reply_rates", {
  instance: text("instance").primaryKey(),
  perSecond: real("per_second").notNull(),
  at: timestamp("at", { withTimezone: true }).notNull(),
});
