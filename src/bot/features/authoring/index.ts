import { Composer } from "grammy";
import { manageableAction, type Staff, staffOf } from "../../../domain/access";
import {
  actionFigures,
  duplicateAction,
  marathonChoices,
  nextWeekStart,
  organizationName,
  organizerActions,
} from "../../../domain/authoring";
import { pick } from "../../../domain/localized";
import { formatDateTime } from "../../../i18n/format";
import { cb, cbPattern, parseId } from "../../callback-data";
import type { BotContext } from "../../context";
import { showScreen } from "../../screen";
import { CANCEL_ACTION, EDIT_ACTION, manageConversations } from "./manage.conversation";
import { NEW_ACTION, newActionConversation } from "./new.conversation";
import { actionScreen, editMenu, isField, LIST_PAGE_SIZE, listView, toActionKeyboard } from "./views";

export { NEW_ACTION } from "./new.conversation";
export const authoringConversations = [newActionConversation, ...manageConversations];

/** Organizers' actions: /newaction, their list (oa:list), one action's screen (oa:o:<id>), edit, cancel, duplicate. */
export const authoringFeature = new Composer<BotContext>();

async function refuse(ctx: BotContext, key: "authoring.not_organizer" | "authoring.not_yours"): Promise<void> {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t(key), show_alert: true });
  else await ctx.reply(ctx.t(key));
}

/** The presser's rights, or a refusal (explaining /organize) for someone who acts for no organization. */
async function organizer(ctx: BotContext): Promise<Staff | undefined> {
  const staff = await staffOf(ctx.deps.db, ctx.from!.id, ctx.deps.adminIds);
  if (staff.organizations.length > 0) return staff;
  await refuse(ctx, "authoring.not_organizer");
  return undefined;
}

/** The action of the button, when the presser may manage it (whatever the callback data says), else a refusal. */
async function managed(ctx: BotContext, raw: string | undefined) {
  const staff = await staffOf(ctx.deps.db, ctx.from!.id, ctx.deps.adminIds);
  const action = await manageableAction(ctx.deps.db, staff, parseId(raw) ?? 0);
  if (!action) await refuse(ctx, "authoring.not_yours");
  return action;
}

async function startNewAction(ctx: BotContext): Promise<void> {
  if (!(await organizer(ctx))) return;
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  await ctx.conversation.enter(NEW_ACTION);
}

authoringFeature.command("newaction", startNewAction);
authoringFeature.callbackQuery(cbPattern("oa", "new"), startNewAction);

async function showList(ctx: BotContext, which: "upcoming" | "past", page: number): Promise<void> {
  const staff = await organizer(ctx);
  if (!staff) return;
  const orgIds = staff.organizations.map((o) => o.id);
  const { rows, more } = await organizerActions(
    ctx.deps.db,
    orgIds,
    which,
    page,
    LIST_PAGE_SIZE,
    ctx.locale,
    new Date(),
  );
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  // Back to the organizer's screen of the one organization, or to the choice among several.
  const hub = orgIds.length === 1 ? cb("org", "h", orgIds[0]!) : cb("org", "pick");
  const view = listView(ctx.t, ctx.locale, which, page, rows, more, orgIds.length > 1, hub);
  await showScreen(ctx, view.text, view.keyboard);
}

authoringFeature.callbackQuery(cbPattern("oa", "list"), (ctx) => showList(ctx, "upcoming", 0));
authoringFeature.callbackQuery(cbPattern("oa", "lp", 2), (ctx) => {
  const page = Number(ctx.match[2]);
  if (!/^[up]$/.test(ctx.match[1] ?? "") || !Number.isSafeInteger(page) || page < 0 || page > 1000)
    return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  return showList(ctx, ctx.match[1] === "u" ? "upcoming" : "past", page);
});

async function showAction(ctx: BotContext, raw: string | undefined): Promise<void> {
  const action = await managed(ctx, raw);
  if (!action) return;
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  const [figures, organization] = await Promise.all([
    actionFigures(ctx.deps.db, action.id),
    organizationName(ctx.deps.db, action.organizationId, ctx.locale),
  ]);
  const view = actionScreen(ctx.t, ctx.locale, action, organization, figures, new Date());
  await showScreen(ctx, view.text, view.keyboard);
}

authoringFeature.callbackQuery(cbPattern("oa", "o", 1), (ctx) => showAction(ctx, ctx.match[1]));

/** Edit, cancel: only while the action is published and has not started. */
async function stillEditable(ctx: BotContext, action: { status: string; startsAt: Date }): Promise<boolean> {
  if (action.status === "published" && action.startsAt > new Date()) return true;
  const key = action.status === "cancelled" ? "authoring.refused_cancelled" : "authoring.refused_started";
  await ctx.answerCallbackQuery({ text: ctx.t(key), show_alert: true });
  return false;
}

authoringFeature.callbackQuery(cbPattern("oa", "e", 1), async (ctx) => {
  const action = await managed(ctx, ctx.match[1]);
  if (!action || !(await stillEditable(ctx, action))) return;
  await ctx.answerCallbackQuery();
  const marathons = await marathonChoices(ctx.deps.db, action.regionCode, ctx.locale, new Date());
  await showScreen(
    ctx,
    ctx.t("authoring.edit_menu", { title: pick(action.titleKk, action.titleRu, ctx.locale) }),
    editMenu(ctx.t, action.id, marathons.length > 0),
  );
});

authoringFeature.callbackQuery(cbPattern("oa", "ef", 2), async (ctx) => {
  const field = ctx.match[2];
  if (!isField(field)) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const action = await managed(ctx, ctx.match[1]);
  if (!action || !(await stillEditable(ctx, action))) return;
  await ctx.answerCallbackQuery();
  await ctx.editMessageReplyMarkup();
  await ctx.conversation.enter(EDIT_ACTION, action.id, field);
});

authoringFeature.callbackQuery(cbPattern("oa", "x", 1), async (ctx) => {
  const action = await managed(ctx, ctx.match[1]);
  if (!action || !(await stillEditable(ctx, action))) return;
  await ctx.answerCallbackQuery();
  await ctx.editMessageReplyMarkup();
  await ctx.conversation.enter(CANCEL_ACTION, action.id);
});

// "Same next week" in one tap: the copy is published at once (its screen offers edit and cancel); a second press
// finds that copy instead of making another. `oa:dy` is the confirmation button older messages still carry.
authoringFeature.callbackQuery([cbPattern("oa", "d", 1), cbPattern("oa", "dy", 1)], async (ctx) => {
  const action = await managed(ctx, ctx.match[1]);
  if (!action) return;
  const now = new Date();
  const start = nextWeekStart(action.startsAt, now);
  const result = await duplicateAction(ctx.deps.db, action.id, ctx.from.id, start, now);
  if (result.status === "refused")
    return ctx.answerCallbackQuery({ text: ctx.t("authoring.refused_not_found"), show_alert: true });
  await ctx.answerCallbackQuery({
    text: ctx.t(result.replayed ? "authoring.copy_exists" : "authoring.copy_published"),
  });
  await showScreen(
    ctx,
    ctx.t("authoring.copy_done", {
      title: pick(action.titleKk, action.titleRu, ctx.locale),
      date: formatDateTime(start, ctx.locale),
    }),
    toActionKeyboard(ctx.t, result.id),
  );
});
