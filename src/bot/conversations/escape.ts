import type { MiddlewareFn } from "grammy";
import type { BotContext } from "../context";
import type { ConversationSpec } from "./registry";
import { hasAnswers, sentMessageIds } from "./storage";

/** A message that starts with a command (Telegram marks it with a bot_command entity at offset 0). */
export function isCommand(ctx: BotContext): boolean {
  const entity = ctx.message?.entities?.[0];
  return entity?.type === "bot_command" && entity.offset === 0;
}

/**
 * Installed between the conversations plugin and the conversations: no conversation traps a user.
 * - State dropped because its conversation changed in a deploy (storage.ts) is announced in one polite line.
 * - Inside a conversation, every command and every press of a button on a message the conversation did not send
 *   leaves it (one line says what was dropped, if the user had answered anything), and the update goes on to the
 *   normal handlers, which do what it says. /cancel is handled before this (features/cancel.ts).
 */
export function leaveOnOtherInput(specs: readonly ConversationSpec[]): MiddlewareFn<BotContext> {
  const dropped = new Map(specs.map((spec) => [spec.id, spec.dropped]));
  return async (ctx, next) => {
    if (ctx.outdatedConversations?.length) await ctx.reply(ctx.t("chats.outdated"));
    const states = ctx.conversationStates;
    const active = Object.keys(ctx.conversation.active());
    if (!states || active.length === 0) return next();

    const pressed = ctx.callbackQuery?.message?.message_id;
    const foreignPress =
      pressed !== undefined && !active.some((name) => sentMessageIds(states[name] ?? []).has(pressed));
    if (!isCommand(ctx) && !foreignPress) return next();

    const answered = active.filter((name) => hasAnswers(states[name] ?? []));
    await ctx.conversation.exitAll();
    for (const name of answered) {
      const line = dropped.get(name);
      // Also takes away a reply keyboard the conversation may have shown (onboarding's "share location / skip").
      if (line) await ctx.reply(ctx.t(line), { reply_markup: { remove_keyboard: true } });
    }
    return next();
  };
}
