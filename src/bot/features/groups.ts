import { Composer, InlineKeyboard } from "grammy";
import { translatorFor } from "../../i18n";
import type { BotContext, BotDeps } from "../context";
import { isCommand } from "../conversations/escape";

/** Telegram's sender of messages that an anonymous group admin writes (`sender_chat` is the group). */
export const GROUP_ANONYMOUS_BOT = 1_087_968_824;
/** Telegram's sender of a linked channel's posts in its discussion group (`sender_chat` is the channel). */
export const CHANNEL_BOT = 136_817_688;

/** The bot's private chat, opened with Start (the payload is not a deep link, so it lands on the usual /start). */
export function privateChatUrl(botUsername: string): string {
  return `https://t.me/${botUsername}?start=group`;
}

/**
 * Groups and supergroups: personal flows run only in private chats. A command addressed to the bot gets one line
 * with a button into the private chat; a press on an old button there gets a toast; nothing else is answered or
 * stored (no user row, no conversation). Senders may be anonymous admins or a linked channel: only ids are read.
 */
export function groupFeature(deps: BotDeps) {
  const feature = new Composer<BotContext>();
  const t = (ctx: BotContext) => translatorFor(deps.i18n, ctx.from?.language_code);

  feature.on("message", async (ctx) => {
    if (!isCommand(ctx) || ctx.message.is_automatic_forward || ctx.from?.id === CHANNEL_BOT) return;
    const command = ctx.message.text!.slice(0, ctx.message.entities![0]!.length);
    const addressee = command.split("@")[1];
    if (addressee && addressee.toLowerCase() !== ctx.me.username.toLowerCase()) return; // another bot's command
    await ctx.reply(t(ctx)("chats.private_only"), {
      reply_markup: new InlineKeyboard().url(t(ctx)("chats.open_private"), privateChatUrl(ctx.me.username)),
    });
  });
  feature.on("callback_query", (ctx) => ctx.answerCallbackQuery({ text: t(ctx)("chats.private_only_toast") }));
  return feature;
}
