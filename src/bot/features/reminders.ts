import { Composer, type Middleware } from "grammy";
import type { BotContext } from "../context";

/** Placeholder: filled in by the reminders work. */
export const remindersFeature = new Composer<BotContext>();
/** Conversations of this feature, created with createConversation(); installed after the conversations plugin. */
export const remindersConversations: Middleware<BotContext>[] = [];
