import { Composer, type Middleware } from "grammy";
import type { BotContext } from "../context";

/** Placeholder: filled in by the marathons work. */
export const marathonsFeature = new Composer<BotContext>();
/** Conversations of this feature, created with createConversation(); installed after the conversations plugin. */
export const marathonsConversations: Middleware<BotContext>[] = [];
