import type { MiddlewareFn } from "grammy";
import type { BotContext } from "../context";
import type { ConversationSpec } from "./registry";

/**
 * The conversations' middleware, run only where it does something. Each conversation's middleware (the plugin's
 * `createConversation`) does two things on every update: it registers the conversation, so a handler further down
 * may enter it, and it resumes the conversation if the chat is in it. With no conversation active there is nothing
 * to resume, and most updates enter none: then they skip the dozens of middleware (a seventh of all memory
 * allocated per update in the updates benchmark), and `enter` registers them all first, as they would have been.
 */
export function installConversations(specs: readonly ConversationSpec[]): MiddlewareFn<BotContext> {
  const all = specs.map((spec) => spec.middleware);
  const runAll = (ctx: BotContext, index: number, next: () => Promise<void>): Promise<void> =>
    index === all.length
      ? next()
      : Promise.resolve(all[index]!(ctx, () => runAll(ctx, index + 1, next))).then(() => {});
  const done = () => Promise.resolve();
  return (ctx, next) => {
    const control = ctx.conversation;
    if (Object.keys(control.active()).length > 0) return runAll(ctx, 0, next);
    const enter = control.enter.bind(control);
    let registered: Promise<void> | undefined;
    control.enter = async (id, ...args) => {
      registered ??= runAll(ctx, 0, done);
      await registered;
      return enter(id, ...args);
    };
    return next();
  };
}
