import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Executor } from "./client";
import { chatLimits, outbox, type OutboxState, PRIORITY, replyRates } from "./schema";

/**
 * What a button of an outbox message does, in the domain's words. The bot turns it into a label and callback data
 * when the message is sent (src/bot/outbox-buttons.ts, injected into the dispatcher), so callback data is built
 * only in src/bot/ and a route rename there cannot break rows already waiting in the outbox.
 */
export type OutboxButton =
  /** "I'm coming" / "I can't" under an action reminder. */
  | { kind: "reminder.coming"; actionId: number }
  | { kind: "reminder.cant"; actionId: number }
  /** Confirms one occurrence (local date YYYYMMDD) of a weekly club meeting. */
  | { kind: "club.coming"; meetingId: number; date: string }
  | { kind: "club.cant"; meetingId: number; date: string }
  /** Yes / No under a club coordinator's invitation to join the club. */
  | { kind: "club.join_yes"; clubId: number }
  | { kind: "club.join_no"; clubId: number }
  /** Under a new club coordinator's question: share their own phone with members, or not. */
  | { kind: "club.phone_share"; clubId: number }
  | { kind: "club.phone_no"; clubId: number }
  /** Opens "My hours". */
  | { kind: "open.hours" }
  /** Opens an action's card (`n`: a number for the label, in a digest's list). */
  | { kind: "action.open"; actionId: number; n?: number }
  /** Joins an action (as the card's Join button). */
  | { kind: "action.join"; actionId: number }
  /**
   * A URL button under a channel post: the bot's deep link into the action (`t.me/<bot>?start=a_<id>`); `both`: the
   * label in both languages (a post shown in Kazakh and Russian).
   */
  | { kind: "action.join_url"; actionId: number; both?: boolean }
  /** "🔕 Stop messages from <name>" under an organization's broadcast: mutes that organization for the presser. */
  | { kind: "org.mute"; organizationId: number; name: string }
  /** "Stop" under a broadcast's progress message. */
  | { kind: "broadcast.stop"; broadcastId: number }
  /** Approve / Reject under an organization's application (to its region's coordinators and the admins). */
  | { kind: "org.approve"; organizationId: number }
  | { kind: "org.reject"; organizationId: number }
  /** Opens the organizer's screen of an organization (after approval). */
  | { kind: "org.open"; organizationId: number }
  /** Opens an action's attendance list (for its organizers). */
  | { kind: "attendance.open"; actionId: number }
  /** "I'm coming" / "I can't" under an emergency call-out. */
  | { kind: "callout.coming"; calloutId: number }
  | { kind: "callout.cant"; calloutId: number }
  /** Under the coordinator's tally of a call-out: send an update, close it, show the figures now. */
  | { kind: "callout.update"; calloutId: number }
  | { kind: "callout.close"; calloutId: number }
  | { kind: "callout.refresh"; calloutId: number }
  /** A URL button that opens a meeting point on a map (2GIS). */
  | { kind: "map"; latitude: number; longitude: number };

/** Edits a message the bot sent earlier instead of sending a new one (editMessageText: a progress message, a tally). */
export interface OutboxEdit {
  messageId: number;
}

/** A message rendered now (text), or a locale template rendered when it is sent (domain code has no i18n). */
export type OutboxContent =
  | { text: string; replyMarkup?: InlineKeyboardMarkup; edit?: OutboxEdit }
  | {
      template: string;
      /**
       * Passed to i18next (which HTML-escapes them). Rendered first in the recipient's locale: `{ $datetime: iso }`,
       * `{ $date: iso }`, `{ $day: iso }` (weekday and date), `{ $time: iso }` (Asia/Almaty, src/i18n/format.ts; see `at`), `{ $t: "categories.ecology" }` (a locale key) and
       * `{ $typed: text }` (text the recipient typed: erased from waiting messages when they withdraw consent).
       */
      params?: Record<string, unknown>;
      locale: "kk" | "ru";
      /** Rows of buttons. */
      buttons?: OutboxButton[][];
      /** Sent as a photo (Telegram file_id) with the text as its caption (at most 1024 characters). */
      photo?: string;
      edit?: OutboxEdit;
      /**
       * An organization's broadcast (its id): the text (`params.text`) and photo are read from the broadcasts row
       * when the row is claimed, so 100,000 rows do not each carry a copy of them (kind 'broadcast').
       */
      broadcast?: number;
    }
  /** copyMessage: e.g. an organizer's announcement forwarded without the "forwarded from" header. */
  | { copy: { fromChatId: number; messageId: number }; replyMarkup?: InlineKeyboardMarkup }
  /** sendDocument by Telegram file_id or https URL; the caption is HTML. */
  | { document: string; caption?: string; replyMarkup?: InlineKeyboardMarkup }
  /** sendVenue: a meeting point as a pin with its name and address (e.g. above an action's channel post). */
  | { venue: { latitude: number; longitude: number; title: string; address: string } }
  /**
   * setMyCommands for the chat (scope `chat`): these commands with their descriptions in the locale
   * (locales/<locale>/commands.json); an empty list deletes the chat's own menu, so the public one shows again.
   */
  | { commandMenu: { commands: string[]; locale: "kk" | "ru" } };

export interface OutboxMessage {
  chatId: number;
  /** The same key is enqueued once, however often a job runs (e.g. `rem24:<action>:<user>`). */
  idempotencyKey: string;
  priority?: keyof typeof PRIORITY;
  notBefore?: Date;
  /** Not sent after this moment (e.g. a reminder for an action that has started): dead-lettered as "expired". */
  expiresAt?: Date;
  /**
   * When quiet hours hold the message and it would expire before they end: dropped, not sent at night (a reminder
   * is still sent at night rather than never; an alert about a new action is not worth waking anyone).
   */
  dropInQuietHours?: boolean;
  /** Groups broadcast items for progress and reports. */
  batch?: string;
  /**
   * The person a message to someone else's chat is about (a member's name in a coordinator's notice): the row is
   * deleted when that person withdraws consent or deletes the account.
   */
  aboutUserId?: number;
  /**
   * An action's post in a linked channel or group: once sent, its message id is kept in channel_posts; with `edit`,
   * the row edits that post (editMessageText) instead of sending a new message.
   */
  post?: ChannelPostRef;
  content: OutboxContent;
}

export interface ChannelPostRef {
  actionId: number;
  edit?: boolean;
}

/**
 * A button as rows enqueued before OutboxButton stored it: a label key and ready callback data (still rendered as
 * stored, so pending rows of that shape are delivered unchanged).
 */
export interface LegacyOutboxButton {
  textKey: string;
  data: string;
}

/** What the payload column holds: the content plus delivery metadata (and possibly buttons of the older shape). */
export type OutboxPayload = (
  | Exclude<OutboxContent, { template: string }>
  | (Omit<Extract<OutboxContent, { template: string }>, "buttons"> & {
      buttons?: Array<Array<OutboxButton | LegacyOutboxButton>>;
    })
) & { expiresAt?: string; post?: ChannelPostRef; dropInQuietHours?: boolean };

/** Rows per INSERT: well under PostgreSQL's 65,535 bind parameters. */
const INSERT_CHUNK = 1000;

export type OutboxKind = "message" | "copy" | "document" | "photo" | "edit" | "broadcast" | "venue" | "commands";

function kindOf(content: OutboxContent, post?: ChannelPostRef): OutboxKind {
  if (post?.edit) return "edit";
  if ("copy" in content) return "copy";
  if ("venue" in content) return "venue";
  if ("commandMenu" in content) return "commands";
  if ("document" in content) return "document";
  if (content.edit) return "edit";
  if ("template" in content && content.broadcast !== undefined) return "broadcast";
  if ("template" in content && content.photo) return "photo";
  return "message";
}

/** Enqueues messages (in the caller's transaction when given one); returns how many were new. */
export async function enqueue(db: Executor, items: OutboxMessage | OutboxMessage[]): Promise<number> {
  const list = Array.isArray(items) ? items : [items];
  let added = 0;
  for (let i = 0; i < list.length; i += INSERT_CHUNK) {
    const inserted = await db
      .insert(outbox)
      .values(
        list.slice(i, i + INSERT_CHUNK).map((item) => ({
          chatId: item.chatId,
          kind: kindOf(item.content, item.post),
          payload: {
            ...item.content,
            ...(item.expiresAt ? { expiresAt: item.expiresAt.toISOString() } : {}),
            ...(item.post ? { post: item.post } : {}),
            ...(item.dropInQuietHours ? { dropInQuietHours: true } : {}),
          } satisfies OutboxPayload,
          priority: PRIORITY[item.priority ?? "normal"],
          notBefore: item.notBefore ?? new Date(),
          idempotencyKey: item.idempotencyKey,
          batch: item.batch ?? null,
          aboutUserId: item.aboutUserId ?? null,
        })),
      )
      .onConflictDoNothing({ target: outbox.idempotencyKey })
      .returning({ id: outbox.id });
    added += inserted.length;
  }
  if (added > 0) notifyEnqueued();
  return added;
}

/** Template parameters that render as a local date and time of the recipient's locale. */
export const at = {
  datetime: (date: Date) => ({ $datetime: date.toISOString() }),
  date: (date: Date) => ({ $date: date.toISOString() }),
  /** The day for people who plan by weekday: "5 мамыр, сейсенбі", "сегодня, вторник". */
  day: (date: Date) => ({ $day: date.toISOString() }),
  time: (date: Date) => ({ $time: date.toISOString() }),
};

export type BatchProgress = Record<OutboxState, number>;

/** How far a broadcast has got: rows per state (dead = blocked or failed for good). */
export async function batchProgress(db: Executor, batch: string): Promise<BatchProgress> {
  const rows = await db
    .select({ state: outbox.state, count: sql<number>`count(*)::int` })
    .from(outbox)
    .where(eq(outbox.batch, batch))
    .groupBy(outbox.state);
  const progress: BatchProgress = { pending: 0, sending: 0, sent: 0, dead: 0 };
  for (const row of rows) progress[row.state] = row.count;
  return progress;
}

/** Deletes finished rows older than the cut-offs, a slice at a time; returns how many went. */
export async function purgeOutbox(
  db: Executor,
  cutoffs: { sentBefore: Date; deadBefore: Date },
  slice = 5000,
): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await purgeOutboxSlice(db, cutoffs, slice);
    total += deleted;
    if (deleted < slice) return total;
  }
}

/**
 * One slice of the purge (one statement, so a caller can give each slice a short transaction of its own): at most
 * `slice` sent or dead rows past their cut-offs.
 */
export async function purgeOutboxSlice(
  db: Executor,
  cutoffs: { sentBefore: Date; deadBefore: Date },
  slice = 5000,
): Promise<number> {
  const doomed = db
    .select({ id: outbox.id })
    .from(outbox)
    .where(
      or(
        and(eq(outbox.state, "sent"), lt(outbox.updatedAt, cutoffs.sentBefore)),
        and(eq(outbox.state, "dead"), lt(outbox.updatedAt, cutoffs.deadBefore)),
      ),
    )
    .limit(slice);
  const deleted = await db.delete(outbox).where(inArray(outbox.id, doomed)).returning({ id: outbox.id });
  return deleted.length;
}

/**
 * One slice of forgetting per-chat limits nobody needs any more (no message in flight, free for an hour) and the
 * reply rates of instances gone for a day.
 */
export async function purgeChatLimitsSlice(db: Executor, now: Date, slice = 5000): Promise<number> {
  const hourAgo = new Date(now.getTime() - 3_600_000);
  const idle = db
    .select({ chatId: chatLimits.chatId })
    .from(chatLimits)
    .where(and(lt(chatLimits.freeAt, hourAgo), or(isNull(chatLimits.busyUntil), lt(chatLimits.busyUntil, now))))
    .limit(slice);
  const deleted = await db
    .delete(chatLimits)
    .where(inArray(chatLimits.chatId, idle))
    .returning({ id: chatLimits.chatId });
  await db.delete(replyRates).where(lt(replyRates.at, new Date(now.getTime() - 86_400_000)));
  return deleted.length;
}

// In-process dispatchers are woken when something is enqueued, so a message does not wait for the next poll.
const listeners = new Set<() => void>();

export function onEnqueued(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** For writers that insert outbox rows with their own SQL (the scheduler's set-based jobs). */
export function notifyEnqueued(): void {
  for (const listener of listeners) listener();
}

/** Messages to other people's chats that are about this person (sent or not): erased with their personal data. */
export async function forgetMessagesAbout(db: Executor, userId: number): Promise<void> {
  await db.delete(outbox).where(eq(outbox.aboutUserId, userId));
}

/** A template parameter holding text the recipient typed (personal data, see eraseTypedTextFor). */
export const typed = (text: string) => ({ $typed: text });

/**
 * On consent withdrawal: in every message kept for the chat (waiting, sent or failed), text the person typed becomes
 * the locale's neutral words. The rows themselves stay: their keys keep jobs from sending a reminder twice.
 */
export async function eraseTypedTextFor(db: Executor, chatId: number): Promise<void> {
  await db.execute(sql`
    update ${outbox}
    set payload = jsonb_set(payload, '{params}', (
      select jsonb_object_agg(key, case when value ? '$typed' then '{"$t": "common.typed_erased"}'::jsonb else value end)
      from jsonb_each(payload -> 'params')))
    where ${outbox.chatId} = ${chatId} and jsonb_typeof(payload -> 'params') = 'object'
      and payload::text like '%"$typed"%'`);
}
