import { Composer } from "grammy";
import { isOrganizer, manageableAction, staffOf } from "../../../domain/access";
import { muteOrganization, stopBroadcast } from "../../../domain/broadcasts";
import { clipChars } from "../../../domain/text";
import { cbPattern, parseId } from "../../callback-data";
import type { BotContext } from "../../context";
import { showScreen } from "../../screen";
import { BROADCAST, type BroadcastPreset } from "./broadcast.conversation";
import { progressView } from "./views";

export { BROADCAST, broadcastConversations } from "./broadcast.conversation";

export const broadcastsFeature = new Composer<BotContext>();

/** Starts the conversation for an organizer; anyone else gets one refusing line. */
async function begin(ctx: BotContext, preset: BroadcastPreset): Promise<void> {
  const staff = await staffOf(ctx.deps.db, ctx.from!.id, ctx.deps.adminIds);
  const refuse = async (key: "broadcasts.not_organizer" | "broadcasts.action_forbidden") => {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t(key), show_alert: true });
    else await ctx.reply(ctx.t(key));
  };
  if (!isOrganizer(staff)) return refuse("broadcasts.not_organizer");
  if (preset.actionId !== undefined && !(await manageableAction(ctx.deps.db, staff, preset.actionId)))
    return refuse("broadcasts.action_forbidden");
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  await ctx.conversation.enter(BROADCAST, preset);
}

broadcastsFeature.command("broadcast", (ctx) => begin(ctx, {}));
broadcastsFeature.callbackQuery(cbPattern("bc", "new"), (ctx) => begin(ctx, {}));
broadcastsFeature.callbackQuery(cbPattern("bc", "a", 1), async (ctx) => {
  const actionId = parseId(ctx.match[1]);
  if (actionId === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  await begin(ctx, { actionId });
});

/**
 * Stop under the progress message: only a member of the broadcast's organization (a front office's announcement: a
 * coordinator of its region or an admin), checked against the database.
 */
broadcastsFeature.callbackQuery(cbPattern("bc", "stop", 1), async (ctx) => {
  const id = parseId(ctx.match[1]);
  if (id === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const staff = await staffOf(ctx.deps.db, ctx.from.id, ctx.deps.adminIds);
  const outcome = await stopBroadcast(ctx.deps.db, staff, id, new Date());
  if (!outcome.ok) {
    const key =
      outcome.reason === "finished"
        ? "broadcasts.already_finished"
        : outcome.reason === "forbidden" && outcome.announcement
          ? "broadcasts.forbidden_announcement"
          : "broadcasts.forbidden";
    return ctx.answerCallbackQuery({ text: ctx.t(key), show_alert: outcome.reason !== "finished" });
  }
  await ctx.answerCallbackQuery({ text: ctx.t("broadcasts.stopped_toast") });
  // The pressed message is the progress message only when it is the broadcast's own; the report follows (the job).
  const own =
    ctx.callbackQuery.message?.message_id === outcome.state.progressMessageId &&
    ctx.chat?.id === outcome.state.progressChatId;
  if (own) {
    const view = progressView(ctx.t, outcome.state, false);
    await showScreen(ctx, view.text, view.keyboard);
  }
});

/** The mute button under a broadcast: affects only the presser, for the organization named in it. */
broadcastsFeature.callbackQuery(cbPattern("bc", "mute", 1), async (ctx) => {
  const organizationId = parseId(ctx.match[1]);
  const outcome =
    organizationId === undefined || !ctx.user
      ? { ok: false as const }
      : await muteOrganization(ctx.deps.db, ctx.from.id, organizationId, ctx.locale);
  if (!outcome.ok) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  await ctx.answerCallbackQuery({
    text: ctx.t("broadcasts.muted", { org: clipChars(outcome.name, 80), interpolation: { escapeValue: false } }),
    show_alert: true,
  });
  await ctx.editMessageReplyMarkup().catch(() => {});
});
