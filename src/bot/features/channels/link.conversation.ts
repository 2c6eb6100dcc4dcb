import { type Api, GrammyError } from "grammy";
import type { ChatMember, Message } from "grammy/types";
import { actsFor, staffOf } from "../../../domain/access";
import { linkChat } from "../../../domain/channels";
import type { LocaleKey } from "../../../i18n";
import type { BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";

export const CHANNEL_LINK = "channelLink";
/** Bump when the steps change (bot/conversations/registry.ts). */
const CHANNEL_LINK_VERSION = 1;

/**
 * Which chat a message points to: a forwarded channel post (or an anonymous group admin's message), `@username`,
 * a `t.me/username` link, or a chat id (`-100…`).
 */
export function chatReference(message: Message): string | number | undefined {
  const origin = message.forward_origin;
  if (origin?.type === "channel") return origin.chat.id;
  if (origin?.type === "chat") return origin.sender_chat.id;
  const text = message.text?.trim() ?? "";
  const name = /^(?:@|(?:https?:\/\/)?t\.me\/)([A-Za-z][A-Za-z0-9_]{3,31})\/?$/i.exec(text);
  if (name) return `@${name[1]}`;
  if (/^-\d{5,15}$/.test(text)) return Number(text);
  return undefined;
}

const isAdmin = (m: ChatMember) => m.status === "creator" || m.status === "administrator";

type Inspection =
  | { error: LocaleKey }
  | { chat: { id: number; kind: "channel" | "group" | "supergroup"; title: string; username?: string } };

/**
 * Asks Telegram about the chat: it must be a channel or group where the bot is an admin (allowed to post, in a
 * channel) and the organizer is an admin or its creator.
 */
async function inspectChat(api: Api, ref: string | number, botId: number, userId: number): Promise<Inspection> {
  const ask = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof GrammyError && error.error_code >= 400 && error.error_code < 500) return undefined;
      throw error;
    }
  };
  const chat = await ask(() => api.getChat(ref));
  if (!chat) return { error: "channels.link_not_found" };
  if (chat.type === "private") return { error: "channels.link_not_group" };
  const bot = await ask(() => api.getChatMember(chat.id, botId));
  if (!bot || !isAdmin(bot)) return { error: "channels.link_bot_not_admin" };
  if (chat.type === "channel" && bot.status === "administrator" && !bot.can_post_messages)
    return { error: "channels.link_bot_cannot_post" };
  const user = await ask(() => api.getChatMember(chat.id, userId));
  if (!user || !isAdmin(user)) return { error: "channels.link_user_not_admin" };
  return {
    chat: {
      id: chat.id,
      kind: chat.type,
      title: chat.title,
      ...(chat.username ? { username: chat.username } : {}),
    },
  };
}

/** Linking a channel or group to an organization: the organizer adds the bot as an admin, then points to the chat. */
async function linkChannel(conversation: BotConversation, ctx: InnerContext, organizationId: number): Promise<void> {
  const { t } = ctx;
  const userId = ctx.from!.id;
  const botId = ctx.me.id;
  await ctx.reply(t("channels.link_prompt", { bot: `@${ctx.me.username}` }));
  const answer = await conversation.waitFor("message", { otherwise: hint("channels.link_hint") }).andFrom(userId);
  const ref = chatReference(answer.message);
  if (ref === undefined) return reject(conversation, answer, t("channels.link_hint"));
  const outcome = await conversation.external(async () => {
    // Checked again at the moment of linking: the user may have left the organization meanwhile.
    const staff = await staffOf(ctx.deps.db, userId, ctx.deps.adminIds);
    if (!actsFor(staff, organizationId)) return { error: "channels.not_organizer" as LocaleKey };
    const inspection = await inspectChat(answer.api, ref, botId, userId);
    if ("error" in inspection) return inspection;
    const { chat } = inspection;
    const linked = await linkChat(ctx.deps.db, {
      chatId: chat.id,
      organizationId,
      kind: chat.kind,
      title: chat.title,
      username: chat.username,
      linkedBy: userId,
    });
    if (linked.status === "other_organization") return { error: "channels.link_other_organization" as LocaleKey };
    return { done: linked.status, title: chat.title };
  });
  if ("error" in outcome) {
    if (outcome.error === "channels.not_organizer") {
      await answer.reply(t(outcome.error));
      return;
    }
    return reject(conversation, answer, t(outcome.error));
  }
  await answer.reply(
    t(outcome.done === "linked" ? "channels.link_done" : "channels.link_again", { title: outcome.title }),
  );
}

export const channelLinkConversation: ConversationSpec = defineConversation(
  CHANNEL_LINK,
  CHANNEL_LINK_VERSION,
  "channels.link_dropped",
  linkChannel,
);
