import type { LocaleKey } from "../../i18n";
import type { BotConversation, InnerContext } from "../context";

/**
 * Answers input that does not fit the current step and forgets it: the update is not kept in the conversation's
 * replay log (conversation.skip resets the log to before it), so a user who keeps typing never makes the stored
 * state or the time per step grow. A button gets a toast, anything else a message.
 */
export async function reject(
  conversation: BotConversation,
  ctx: InnerContext,
  text: string,
  alert = false,
): Promise<never> {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: alert });
  else await ctx.reply(text);
  return conversation.skip({ next: false });
}

/** The `otherwise` of a wait: a stale button gets a toast, anything else the step's hint (then the update is skipped). */
export function hint(key: LocaleKey, params?: Record<string, unknown>) {
  return async (ctx: InnerContext) => {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
    else await ctx.reply(ctx.t(key, params));
  };
}
