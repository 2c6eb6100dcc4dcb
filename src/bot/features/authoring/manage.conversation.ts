import { InlineKeyboard } from "grammy";
import { manageableAction, staffOf } from "../../../domain/access";
import {
  cancelAction,
  changeAction,
  MAX_CANCEL_REASON,
  marathonChoices,
  regionCenter,
} from "../../../domain/authoring";
import { pick } from "../../../domain/localized";
import { cleanText } from "../../../domain/text";
import { cb } from "../../callback-data";
import type { BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";
import { askFieldChange, type Step } from "./steps";
import { isField, toActionKeyboard } from "./views";

export const EDIT_ACTION = "actionEdit";
export const CANCEL_ACTION = "actionCancel";
const EDIT_ACTION_VERSION = 1;
const CANCEL_ACTION_VERSION = 1;

/** What the edit steps need of the action, as plain JSON (the conversation's log keeps it). */
interface Loaded {
  id: number;
  titleKk: string | null;
  titleRu: string | null;
  startsAt: string;
  endsAt: string;
  regionCode: string | null;
  center: { latitude: number; longitude: number };
  marathons: Array<{ id: number; title: string }>;
}

/** The action when the presser may still manage it (checked against the database on every use), else undefined. */
async function loadManaged(ctx: InnerContext, actionId: number, now: Date): Promise<Loaded | undefined> {
  const { db, adminIds } = ctx.deps;
  const action = await manageableAction(db, await staffOf(db, ctx.from!.id, adminIds), actionId);
  if (!action) return undefined;
  const center = await regionCenter(db, action.regionCode);
  return {
    id: action.id,
    titleKk: action.titleKk,
    titleRu: action.titleRu,
    startsAt: action.startsAt.toISOString(),
    endsAt: action.endsAt.toISOString(),
    regionCode: action.regionCode,
    center: { latitude: center.latitude, longitude: center.longitude },
    marathons: await marathonChoices(db, action.regionCode, ctx.locale, now),
  };
}

/** Changes one field of a published action; participants hear of a new time or place (domain/authoring.ts). */
async function editAction(conversation: BotConversation, ctx: InnerContext, actionId: number, field: string) {
  const { t } = ctx;
  const userId = ctx.from!.id;
  // Before the first wait, so it is in the log: the key of this change's notices.
  const startedAt = await conversation.now();
  const action = await conversation.external(() => loadManaged(ctx, actionId, new Date(startedAt)));
  if (!action || !isField(field)) {
    await ctx.reply(t("authoring.not_yours"));
    return;
  }
  const step: Step = { conversation, ctx, userId, now: new Date(startedAt) };
  const change = await askFieldChange(step, field, action);
  const outcome = await conversation.external(async () => {
    if (!(await loadManaged(ctx, actionId, new Date()))) return { status: "forbidden" as const };
    return changeAction(ctx.deps.db, actionId, change, new Date(), `${userId}:${startedAt}`);
  });
  if (outcome.status === "forbidden") {
    await ctx.reply(t("authoring.not_yours"));
    return;
  }
  if (outcome.status === "refused") {
    await ctx.reply(t(`authoring.refused_${outcome.reason}`), { reply_markup: toActionKeyboard(t, actionId) });
    return;
  }
  const lines = [
    outcome.notified > 0 ? t("authoring.saved_notified", { count: outcome.notified }) : t("authoring.saved"),
    ...(outcome.promoted > 0 ? [t("authoring.promoted_done", { count: outcome.promoted })] : []),
  ];
  await ctx.reply(lines.join("\n"), { reply_markup: toActionKeyboard(t, actionId) });
}

/** Cancels a published action with a reason; participants and the waitlist are told. */
async function cancelActionFlow(conversation: BotConversation, ctx: InnerContext, actionId: number) {
  const { t } = ctx;
  const userId = ctx.from!.id;
  const startedAt = await conversation.now();
  const action = await conversation.external(() => loadManaged(ctx, actionId, new Date(startedAt)));
  if (!action) {
    await ctx.reply(t("authoring.not_yours"));
    return;
  }
  await ctx.reply(
    t("authoring.ask_cancel_reason", {
      title: pick(action.titleKk, action.titleRu, ctx.locale),
      max: MAX_CANCEL_REASON,
    }),
    { reply_markup: new InlineKeyboard().text(t("authoring.btn_keep"), cb("na", "keep")) },
  );
  const answer = await conversation
    .waitFor(["message:text", "callback_query:data"], { otherwise: hint("authoring.cancel_reason_hint") })
    .andFrom(userId);
  if (answer.callbackQuery) {
    if (answer.callbackQuery.data !== cb("na", "keep")) return reject(conversation, answer, t("common.stale_button"));
    await answer.answerCallbackQuery();
    await answer.editMessageText(t("authoring.kept"), { reply_markup: toActionKeyboard(t, actionId) });
    return;
  }
  const reason = cleanText(answer.message!.text, { max: MAX_CANCEL_REASON, multiline: true });
  if ("error" in reason)
    return reject(
      conversation,
      answer,
      t(reason.error === "too_long" ? "authoring.text_too_long" : "authoring.cancel_reason_hint", {
        max: MAX_CANCEL_REASON,
      }),
    );
  const outcome = await conversation.external(async () => {
    if (!(await loadManaged(ctx, actionId, new Date()))) return { status: "forbidden" as const };
    return cancelAction(ctx.deps.db, actionId, reason.text, new Date());
  });
  if (outcome.status === "forbidden") {
    await ctx.reply(t("authoring.not_yours"));
    return;
  }
  await ctx.reply(
    outcome.status === "cancelled"
      ? t("authoring.cancelled_done", { count: outcome.notified })
      : t(`authoring.refused_${outcome.reason}`),
    { reply_markup: toActionKeyboard(t, actionId) },
  );
}

export const manageConversations: ConversationSpec[] = [
  defineConversation(EDIT_ACTION, EDIT_ACTION_VERSION, "chats.dropped_actionEdit", editAction),
  defineConversation(CANCEL_ACTION, CANCEL_ACTION_VERSION, "chats.dropped_actionCancel", cancelActionFlow),
];
