import { Composer } from "grammy";
import type { ChatMember } from "grammy/types";
import { actsFor, isOrganizer, staffOf } from "../../../domain/access";
import { chatLost, findLinkedChat, linkedChatsOf, organizationNames, unlinkChat } from "../../../domain/channels";
import { cbPattern, parseId } from "../../callback-data";
import type { BotContext, BotDeps } from "../../context";
import { showScreen } from "../../screen";
import { CHANNEL_LINK } from "./link.conversation";
import { channelsView } from "./views";

export { channelLinkConversation } from "./link.conversation";

/** A group or channel id from callback data: negative, at most 15 digits. */
function parseChatId(raw: string | undefined): number | undefined {
  return raw && /^-[1-9]\d{0,14}$/.test(raw) ? Number(raw) : undefined;
}

/** The organizer's organizations (approved ones); a refusal when there are none. */
async function organizerStaff(ctx: BotContext) {
  const staff = await staffOf(ctx.deps.db, ctx.from!.id, ctx.deps.adminIds);
  if (isOrganizer(staff)) return staff;
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t("channels.not_organizer"), show_alert: true });
  else await ctx.reply(ctx.t("channels.not_organizer"));
  return undefined;
}

async function showChannels(ctx: BotContext, mode: "edit" | "reply"): Promise<void> {
  const staff = await organizerStaff(ctx);
  if (!staff) return;
  const ids = staff.organizations.map((o) => o.id);
  const [chats, names] = await Promise.all([
    linkedChatsOf(ctx.deps.db, ids),
    organizationNames(ctx.deps.db, ids, ctx.locale),
  ]);
  const view = channelsView(
    ctx.t,
    chats,
    ids.map((id) => ({ id, name: names.get(id) ?? "" })),
  );
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  if (mode === "reply") await ctx.reply(view.text, { reply_markup: view.keyboard });
  else await showScreen(ctx, view.text, view.keyboard);
}

/** Private chats: the organizer's channels screen (`/channels`, the `ch:list` button of /org), link and unlink. */
export const channelsFeature = new Composer<BotContext>();

channelsFeature.command("channels", (ctx) => showChannels(ctx, "reply"));
channelsFeature.callbackQuery(cbPattern("ch", "list"), (ctx) => showChannels(ctx, "edit"));

channelsFeature.callbackQuery(cbPattern("ch", "add", 1), async (ctx) => {
  const organizationId = parseId(ctx.match[1]);
  const staff = await organizerStaff(ctx);
  if (!staff) return;
  if (organizationId === undefined || !actsFor(staff, organizationId))
    return ctx.answerCallbackQuery({ text: ctx.t("channels.not_organizer"), show_alert: true });
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(CHANNEL_LINK, organizationId);
});

channelsFeature.callbackQuery(cbPattern("ch", "un", 1), async (ctx) => {
  const chatId = parseChatId(ctx.match[1]);
  const staff = await organizerStaff(ctx);
  if (!staff) return;
  const chat = chatId === undefined ? undefined : await findLinkedChat(ctx.deps.db, chatId);
  // Checked against the chat's organization as stored, whatever the button says.
  if (!chat || !actsFor(staff, chat.organizationId))
    return ctx.answerCallbackQuery({ text: ctx.t("channels.not_linked"), show_alert: true });
  await unlinkChat(ctx.deps.db, chat.chatId, chat.organizationId);
  await ctx.answerCallbackQuery({ text: ctx.t("channels.unlinked") });
  await showChannels(ctx, "edit");
});

/** Whether the bot may still post in the chat after a my_chat_member change. */
function botMayPost(member: ChatMember, chatType: string): boolean {
  switch (member.status) {
    case "creator":
      return true;
    case "administrator":
      return chatType !== "channel" || member.can_post_messages === true;
    case "member":
      return chatType !== "channel";
    case "restricted":
      return chatType !== "channel" && member.is_member && member.can_send_messages;
    default:
      return false;
  }
}

/**
 * my_chat_member in channels, groups and supergroups: when the bot was removed or may no longer post, a linked chat
 * is unlinked and the organizer who linked it is told (chatLost). Runs before the group feature; never answers.
 */
export function chatMembershipFeature(deps: BotDeps) {
  const feature = new Composer<BotContext>();
  feature.on("my_chat_member", async (ctx, next) => {
    const { chat, new_chat_member: member } = ctx.myChatMember;
    if (chat.type === "private") return next();
    if (!botMayPost(member, chat.type)) await chatLost(deps.db, chat.id);
  });
  return feature;
}
