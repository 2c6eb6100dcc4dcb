import type { Conversation, ConversationData, ConversationFlavor } from "@grammyjs/conversations";
import type { Context } from "grammy";
import type { Logger } from "pino";
import type { Config } from "../config";
import type { Database } from "../db/client";
import type { StoredConversation } from "../domain/conversation-state";
import type { RegionDirectory } from "../domain/regions";
import type { User } from "../domain/users";
import type { I18n, Locale, Translate } from "../i18n";
import type { SenderCache } from "./middleware/user";

export interface BotDeps {
  db: Database;
  i18n: I18n;
  regions: RegionDirectory;
  logger: Logger;
  adminIds: ReadonlySet<number>;
}

export interface EriktiFlavor {
  deps: BotDeps;
  /** deps.logger's child for this update (its update id on every line). */
  logger: Logger;
  /** The stored user (undefined only for updates without a sender). */
  user: User | undefined;
  /** The locale to answer in: the stored choice, else Telegram's language_code, else Kazakh. */
  locale: Locale;
  /** True when the locale is neither stored nor known from Telegram, so the bot should ask. */
  localeUnknown: boolean;
  t: Translate;
  /** Users loaded for the updates in flight (outside conversations only). */
  senders?: SenderCache;
  /** The stored conversations of this chat, as read for this update (bot/conversations/storage.ts). */
  conversationStates?: ConversationData;
  /** Conversations whose stored state was dropped on reading because a deploy changed them. */
  outdatedConversations?: string[];
  /**
   * The conversation state read together with the user (middleware/user.ts), under its storage key (null: none
   * stored); the conversations' storage takes it once instead of reading it again.
   */
  prefetchedConversation?: { key: string; row: StoredConversation | null };
}

/** Context inside conversations (no ctx.conversation there). */
export type InnerContext = Context & EriktiFlavor;
/** Context of the outside middleware tree. */
export type BotContext = ConversationFlavor<InnerContext>;
export type BotConversation = Conversation<BotContext, InnerContext>;

export type { Config };
