import type {
  ConversationData,
  ConversationState,
  VersionedState,
  VersionedStateStorage,
} from "@grammyjs/conversations";
import {
  CONVERSATION_TTL_MS,
  deleteConversationState,
  readConversationState,
  writeConversationState,
} from "../../domain/conversation-state";
import type { Database } from "../../db/client";
import type { BotContext } from "../context";

type Stored = VersionedState<ConversationData> & { versions?: Record<string, number> };

/** The key of a conversation: the private chat's id, which is the user's id (consent withdrawal deletes by it). */
export function conversationKey(ctx: { chat?: { id: number }; from?: { id: number } }): string | undefined {
  return (ctx.chat?.id ?? ctx.from?.id)?.toString();
}

// ----- what is stored: only what the flow needs -------------------------------------------------------------------

/** Profile fields of users and chats: the flows use ids only. */
const PROFILE_KEYS = new Set([
  "first_name",
  "last_name",
  "username",
  "language_code",
  "is_premium",
  "added_to_attachment_menu",
  "title",
  "bio",
  "phone_number",
  "active_usernames",
]);
/** Parts of a message the flows never read that may carry other people's data or long texts. */
const DROPPED_KEYS = new Set([
  "reply_to_message",
  "external_reply",
  "quote",
  "forward_origin",
  "forward_from",
  "forward_from_chat",
  "forward_sender_name",
  "forward_signature",
  "via_bot",
  "contact",
  "users_shared",
  "chat_shared",
  "author_signature",
  "link_preview_options",
  "reply_markup",
  "chat_instance",
]);

/** jsonb refuses NUL in strings: removed everywhere (the flows strip it from what they read anyway). */
function withoutNul(value: unknown): unknown {
  if (typeof value === "string") return value.includes("\u0000") ? value.replaceAll("\u0000", "") : value;
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withoutNul(inner)]));
}

/** An update without profile fields and the parts listed above. */
function scrub(value: unknown): unknown {
  if (typeof value === "string") return withoutNul(value);
  if (Array.isArray(value)) return value.map(scrub);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (PROFILE_KEYS.has(key) || DROPPED_KEYS.has(key)) continue;
    out[key] = scrub(inner);
  }
  return out;
}

/** A message the bot sent or a button sat on: its ids are all a flow uses (edits, "is this press ours"). */
function messageIds(message: unknown): unknown {
  if (message === null || typeof message !== "object" || !("message_id" in message)) return message;
  const m = message as { message_id: number; date?: number; chat?: { id: number; type: string } };
  return { message_id: m.message_id, date: m.date, chat: m.chat && { id: m.chat.id, type: m.chat.type } };
}

function isUpdate(value: unknown): value is { update_id: number; callback_query?: { message?: unknown } } {
  return value !== null && typeof value === "object" && "update_id" in value;
}

function isApiResult(value: unknown): value is { ok: true; res: unknown } {
  return value !== null && typeof value === "object" && "ok" in value && "res" in value;
}

/** The replay log with personal fields removed from every update and every API answer cut to message ids. */
export function minimizeState(state: ConversationState): ConversationState {
  const receive = state.replay.receive.map(({ send, returnValue }) => {
    let value = returnValue;
    if (isUpdate(value)) {
      const copy = { ...value };
      if (copy.callback_query?.message)
        copy.callback_query = { ...copy.callback_query, message: messageIds(copy.callback_query.message) };
      value = scrub(copy);
    } else if (isApiResult(value)) {
      // A Bot API call: { ok, res: { ok, result } } with the message (text, keyboard) the bot sent as the result.
      const res = value.res as { result?: unknown } | null;
      value = {
        ...value,
        res: res && typeof res === "object" && "result" in res ? { ...res, result: messageIds(res.result) } : res,
      };
    } else {
      value = withoutNul(value); // results of external(): the flow's own values
    }
    return { send, returnValue: value };
  });
  return { ...state, replay: { send: state.replay.send, receive } };
}

// ----- reading the log ----------------------------------------------------------------------------------------------

/** Ids of the messages a conversation sent: presses on other messages are not for it. */
export function sentMessageIds(states: readonly ConversationState[]): Set<number> {
  const ids = new Set<number>();
  for (const state of states) {
    for (const { returnValue } of state.replay.receive) {
      if (isApiResult(returnValue)) {
        const id = (returnValue.res as { result?: { message_id?: unknown } } | null)?.result?.message_id;
        if (typeof id === "number") ids.add(id);
      }
    }
  }
  return ids;
}

/** True when the user answered at least one step (the update that started the conversation does not count). */
export function hasAnswers(states: readonly ConversationState[]): boolean {
  return states.some((state) => state.replay.receive.filter((r) => isUpdate(r.returnValue)).length > 1);
}

// ----- the storage ----------------------------------------------------------------------------------------------------

/**
 * Conversation state in the database, so a restart or another instance resumes it. Each conversation is stored with
 * its version; on reading, a conversation of another version (or one no longer known) is dropped and named in
 * ctx.outdatedConversations, and a state silent for a day is dropped quietly (the hourly sweep would have). The
 * state the user middleware read with the user (ctx.prefetchedConversation) is used instead of a second query.
 */
export function databaseConversationStorage(
  db: Database,
  versions: Readonly<Record<string, number>>,
  clock: () => Date = () => new Date(),
): VersionedStateStorage<BotContext, ConversationData> {
  return {
    async read(ctx) {
      const key = conversationKey(ctx);
      if (key === undefined) return undefined;
      const prefetched = ctx.prefetchedConversation;
      ctx.prefetchedConversation = undefined; // taken once: a later read asks the database
      const row = prefetched?.key === key ? prefetched.row : await readConversationState(db, key);
      if (!row) return undefined;
      const stored = row.state as Stored;
      if (clock().getTime() - row.updatedAt.getTime() >= CONVERSATION_TTL_MS) {
        await deleteConversationState(db, key);
        return undefined;
      }
      const outdated = Object.keys(stored.state ?? {}).filter(
        (name) => versions[name] === undefined || stored.versions?.[name] !== versions[name],
      );
      if (outdated.length > 0) {
        ctx.outdatedConversations = outdated;
        for (const name of outdated) delete stored.state[name];
        if (Object.keys(stored.state).length === 0) {
          await deleteConversationState(db, key);
          return undefined;
        }
      }
      ctx.conversationStates = stored.state;
      return stored;
    },
    async write(ctx, value) {
      const key = conversationKey(ctx);
      if (key === undefined) return;
      const state: ConversationData = {};
      const stored: Record<string, number> = {};
      for (const [name, states] of Object.entries(value.state)) {
        state[name] = states.map(minimizeState);
        stored[name] = versions[name] ?? -1;
      }
      await writeConversationState(db, key, { version: value.version, versions: stored, state }, clock());
    },
    async delete(ctx) {
      const key = conversationKey(ctx);
      if (key !== undefined) await deleteConversationState(db, key);
    },
  };
}
