import { InlineKeyboard } from "grammy";
import { isBookPeriod } from "../../../domain/volunteer-book";
import { checkFullName, setFullName } from "../../../domain/users";
import { cb } from "../../callback-data";
import type { BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";

export const BOOK_NAME = "bookName";
/** Bump when the steps change (bot/conversations/registry.ts). */
const BOOK_NAME_VERSION = 1;

/**
 * Asks the full name as in the person's ID (printed on volunteer books), once before the first book or from
 * settings. With a book period, ends with a button that continues to that book.
 */
async function askFullName(conversation: BotConversation, ctx: InnerContext, period?: string): Promise<void> {
  const { t } = ctx;
  const userId = ctx.from!.id;
  const current = ctx.user?.fullName;
  await ctx.reply(current ? t("hours.name_change_prompt", { name: current }) : t("hours.name_prompt"));

  const answer = await conversation.waitFor("message:text", { otherwise: hint("hours.name_hint") }).andFrom(userId);
  const checked = checkFullName(answer.message.text);
  if ("error" in checked) return reject(conversation, answer, t(`hours.name_${checked.error}`, { max: 100 }));

  await conversation.external(() => setFullName(answer.deps.db, userId, checked.name));
  const next = new InlineKeyboard();
  if (period && isBookPeriod(period)) next.text(t("hours.btn_book_continue"), cb("h", "bp", period));
  else next.text(t("common.back"), cb("m", "settings"));
  await answer.reply(t("hours.name_saved", { name: checked.name }), { reply_markup: next });
}

export const bookNameConversation: ConversationSpec = defineConversation(
  BOOK_NAME,
  BOOK_NAME_VERSION,
  "chats.dropped_bookName",
  askFullName,
);
