import { Composer } from "grammy";
import { markBlocked } from "../../domain/users";
import type { BotContext } from "../context";

/** Telegram tells the bot when a private chat blocks (kicked) or unblocks (member) it. */
export const membershipFeature = new Composer<BotContext>();

membershipFeature.chatType("private").on("my_chat_member", async (ctx) => {
  const status = ctx.myChatMember.new_chat_member.status;
  if (status === "kicked") await markBlocked(ctx.deps.db, ctx.from.id, true);
  else if (status === "member") await markBlocked(ctx.deps.db, ctx.from.id, false);
});
