import { Composer } from "grammy";
import {
  isQuietPreset,
  QUIET_PRESETS,
  quietPresetOf,
  type ReminderPreferences,
  reminderPreferences,
  setQuietHours,
  setReminder,
} from "../../../domain/preferences";
import { leaveAction, reminderAction } from "../../../domain/participation";
import { findUser } from "../../../domain/users";
import { cb, cbPattern, parseId } from "../../callback-data";
import type { BotContext } from "../../context";
import { showScreen } from "../../screen";
import { leftNotice, leftNoticeView } from "../actions/views";
import { settingsKeyboard, settingsText, withCantConfirm, withoutCantConfirm } from "./views";

async function showSettings(ctx: BotContext, prefs?: ReminderPreferences): Promise<void> {
  const shown = prefs ?? reminderPreferences((await findUser(ctx.deps.db, ctx.from!.id))!);
  await showScreen(ctx, settingsText(ctx, shown), settingsKeyboard(ctx, shown));
}

/** Removes the buttons of the reminder that was answered, so it cannot be answered twice. */
async function closeReminder(ctx: BotContext): Promise<void> {
  if (!ctx.callbackQuery?.message?.reply_markup?.inline_keyboard.length) return;
  await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } });
}

export const remindersFeature = new Composer<BotContext>();

remindersFeature.callbackQuery(cbPattern("rem", "settings"), async (ctx) => {
  await ctx.answerCallbackQuery();
  await showSettings(ctx);
});

for (const [action, which] of [
  ["t24", "24h"],
  ["t2", "2h"],
] as const) {
  remindersFeature.callbackQuery(cbPattern("rem", action), async (ctx) => {
    const user = ctx.user!;
    const on = which === "24h" ? !user.reminder24h : !user.reminder2h;
    const prefs = await setReminder(ctx.deps.db, ctx.from.id, which, on);
    await ctx.answerCallbackQuery({ text: ctx.t("reminders.saved") });
    await showSettings(ctx, prefs);
  });
}

remindersFeature.callbackQuery(cbPattern("rem", "q", 1), async (ctx) => {
  const preset = ctx.match[1]!;
  if (!isQuietPreset(preset)) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  if (quietPresetOf(reminderPreferences(ctx.user!).quiet) === preset) return ctx.answerCallbackQuery();
  const prefs = await setQuietHours(ctx.deps.db, ctx.from.id, QUIET_PRESETS[preset]);
  await ctx.answerCallbackQuery({ text: ctx.t("reminders.saved") });
  await showSettings(ctx, prefs);
});

/** "I'm coming": only confirms, for someone still on the action's list before it starts. */
remindersFeature.callbackQuery(cbPattern("rem", "yes", 1), async (ctx) => {
  const actionId = parseId(ctx.match[1]);
  const action =
    actionId === undefined ? undefined : await reminderAction(ctx.deps.db, actionId, ctx.from.id, ctx.locale);
  if (!action) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  if (!action.joined) return ctx.answerCallbackQuery({ text: ctx.t("reminders.not_joined"), show_alert: true });
  if (action.startsAt <= new Date()) return ctx.answerCallbackQuery({ text: ctx.t("reminders.started") });
  await ctx.answerCallbackQuery();
  await closeReminder(ctx);
  await ctx.reply(ctx.t("reminders.coming_ok", { title: action.title }));
});

/**
 * "I can't": a short confirmation first — the reminder keeps its text, its buttons become "Yes, I can't" and "Back"
 * (which puts the reminder's own buttons back).
 */
remindersFeature.callbackQuery(cbPattern("rem", "no", 1), async (ctx) => {
  const actionId = parseId(ctx.match[1]);
  const action =
    actionId === undefined ? undefined : await reminderAction(ctx.deps.db, actionId, ctx.from.id, ctx.locale);
  if (!action || actionId === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  if (!action.joined) return ctx.answerCallbackQuery({ text: ctx.t("reminders.not_joined"), show_alert: true });
  if (action.startsAt <= new Date()) return ctx.answerCallbackQuery({ text: ctx.t("reminders.started") });
  await ctx.answerCallbackQuery({ text: ctx.t("reminders.cant_ask") });
  const from = ctx.callbackQuery.message?.reply_markup?.inline_keyboard
    .flat()
    .some((b) => "callback_data" in b && b.callback_data === cb("rem", "yes", actionId));
  const markup = ctx.callbackQuery.message?.reply_markup;
  await ctx.editMessageReplyMarkup({ reply_markup: withCantConfirm(ctx, markup, actionId, from ? "r" : "p") });
});

/** "Back" from the confirmation: the reminder's (or the promotion notice's) own buttons again. */
remindersFeature.callbackQuery(cbPattern("rem", "nb", 2), async (ctx) => {
  const actionId = parseId(ctx.match[1]);
  if (actionId === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  await ctx.answerCallbackQuery();
  const markup = ctx.callbackQuery.message?.reply_markup;
  const source = ctx.match[2] === "r" ? "r" : "p";
  await ctx.editMessageReplyMarkup({ reply_markup: withoutCantConfirm(ctx, markup, actionId, source) });
});

/**
 * "Yes, I can't": leaves the action; the first on the waitlist is promoted (and told) in the same transaction. The
 * reminder loses its buttons and a notice follows, with Undo while the seat is still free.
 */
remindersFeature.callbackQuery(cbPattern("rem", "ny", 1), async (ctx) => {
  const actionId = parseId(ctx.match[1]);
  const action =
    actionId === undefined ? undefined : await reminderAction(ctx.deps.db, actionId, ctx.from.id, ctx.locale);
  if (!action || actionId === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const result = await leaveAction(ctx.deps.db, actionId, ctx.from.id);
  // Pressed twice: the second press finds the user no longer on the list and says so; one leave, one notice.
  if (result.status === "refused") {
    const text = {
      not_found: ctx.t("common.stale_button"),
      not_joined: ctx.t("reminders.not_joined"),
      started: ctx.t("reminders.started"),
    }[result.reason];
    await ctx.answerCallbackQuery({ text, show_alert: result.reason !== "not_found" });
    return closeReminder(ctx);
  }
  await ctx.answerCallbackQuery();
  await closeReminder(ctx);
  const view = leftNoticeView(ctx, leftNotice({ id: actionId, title: action.title }, result), "m");
  await ctx.reply(view.text, { reply_markup: view.keyboard });
});
