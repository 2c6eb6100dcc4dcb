import { Composer } from "grammy";
import { deleteAccount, exportPersonalData } from "../../../domain/privacy";
import { cbPattern } from "../../callback-data";
import type { BotContext } from "../../context";
import { EXPENSIVE } from "../../middleware/rate-limit";
import { accountStamp, deleteConfirmKeyboard, exportFile } from "./views";

/** A "Delete" button older than this is stale: the person is asked again. */
const CONFIRM_TTL_MS = 15 * 60_000;

/** The rights of a person over their data: /mydata (access) and /deleteme (erasure). Private chats only. */
export const privacyFeature = new Composer<BotContext>();
const privateChats = privacyFeature.chatType("private");

privateChats.command("mydata", EXPENSIVE.export, async (ctx) => {
  const data = await exportPersonalData(ctx.deps.db, ctx.from.id);
  if (!data) return;
  await ctx.replyWithChatAction("upload_document");
  await ctx.replyWithDocument(exportFile(data), { caption: ctx.t("privacy.mydata_caption") });
});

privateChats.command("deleteme", async (ctx) => {
  if (!ctx.user) return;
  await ctx.reply(ctx.t("privacy.delete_confirm"), { reply_markup: deleteConfirmKeyboard(ctx.t, ctx.user) });
});

privateChats.callbackQuery(cbPattern("pv", "keep"), async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(ctx.t("privacy.kept"));
});

privateChats.callbackQuery(cbPattern("pv", "del", 2), async (ctx) => {
  const [, owner, account] = ctx.match;
  const now = new Date();
  const sentAt = (ctx.callbackQuery.message?.date ?? 0) * 1000;
  const fresh = now.getTime() - sentAt <= CONFIRM_TTL_MS;
  // Only the person's own button, for this very account, offered recently, deletes; anything else is a stale button
  // and changes nothing.
  const own = owner === String(ctx.from.id) && ctx.user !== undefined && account === accountStamp(ctx.user.createdAt);
  if (!own || !fresh) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const deleted = await deleteAccount(ctx.deps.db, ctx.from.id, ctx.deps.adminIds, now);
  if (!deleted) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  ctx.deps.logger.info({ promoted: deleted.promoted.length }, "account deleted");
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(ctx.t("privacy.deleted"));
  // A staff menu of this chat (set, or on its way and just dropped with the chat's outbox rows) goes with the
  // account. Not through the outbox: nothing of the person is left there. A failure only leaves commands that refuse.
  if (deleted.staffMenu) {
    await ctx.api
      .deleteMyCommands({ scope: { type: "chat", chat_id: ctx.from.id } })
      .catch((error) => ctx.deps.logger.warn({ err: error }, "could not reset the command menu"));
  }
});
