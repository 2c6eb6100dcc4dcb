import { createConversation } from "@grammyjs/conversations";
import type { MiddlewareFn } from "grammy";
import type { LocaleKey } from "../../i18n";
import type { BotContext, BotConversation, InnerContext } from "../context";

export const ONBOARDING = "onboarding";

/**
 * A conversation and the version of its steps. Bump `version` whenever a wait or an external() is added, removed or
 * reordered: stored state of another version is dropped (with a polite line) instead of being replayed into new code.
 */
export interface ConversationSpec {
  id: string;
  version: number;
  /** The line that says what was dropped when the user leaves it after answering something. */
  dropped: LocaleKey;
  middleware: MiddlewareFn<BotContext>;
}

export function defineConversation<A extends unknown[]>(
  id: string,
  version: number,
  dropped: LocaleKey,
  builder: (conversation: BotConversation, ctx: InnerContext, ...args: A) => Promise<void>,
): ConversationSpec {
  return { id, version, dropped, middleware: createConversation<BotContext, InnerContext>(builder as never, id) };
}

export function versionsOf(specs: readonly ConversationSpec[]): Record<string, number> {
  return Object.fromEntries(specs.map((s) => [s.id, s.version]));
}
