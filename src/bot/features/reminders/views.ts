import { InlineKeyboard } from "grammy";
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import { QUIET_PRESETS, type QuietPreset, quietPresetOf, type ReminderPreferences } from "../../../domain/preferences";
import { cb } from "../../callback-data";
import { renderOutboxButton } from "../../outbox-buttons";
import type { BotContext } from "../../context";

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

export function settingsText(ctx: BotContext, prefs: ReminderPreferences): string {
  const { t } = ctx;
  const { startMinute, endMinute } = prefs.quiet;
  return t("reminders.settings_title", {
    r24: t(prefs.reminder24h ? "reminders.on" : "reminders.off"),
    r2: t(prefs.reminder2h ? "reminders.on" : "reminders.off"),
    quiet:
      startMinute === endMinute
        ? t("reminders.quiet_none")
        : t("reminders.quiet_range", { from: hhmm(startMinute), to: hhmm(endMinute) }),
  });
}

export function settingsKeyboard(ctx: BotContext, prefs: ReminderPreferences): InlineKeyboard {
  const { t } = ctx;
  const mark = (on: boolean) => (on ? "✅ " : "⬜ ");
  const current = quietPresetOf(prefs.quiet);
  const kb = new InlineKeyboard()
    .text(mark(prefs.reminder24h) + t("reminders.btn_24h"), cb("rem", "t24"))
    .text(mark(prefs.reminder2h) + t("reminders.btn_2h"), cb("rem", "t2"))
    .row();
  for (const preset of Object.keys(QUIET_PRESETS) as QuietPreset[]) {
    const { startMinute, endMinute } = QUIET_PRESETS[preset];
    const label = preset === "off" ? t("reminders.btn_quiet_off") : `🌙 ${hhmm(startMinute)}–${hhmm(endMinute)}`;
    kb.text((preset === current ? "✅ " : "") + label, cb("rem", "q", preset));
    if (preset === "23-07") kb.row();
  }
  return kb.row().text(ctx.t("common.back"), cb("m", "settings"));
}

/** Which message an "I can't" was pressed under: an action reminder ("r") or a waitlist promotion notice ("p"). */
export type CantSource = "r" | "p";

/** The row of "I can't" the outbox gave that message (scheduler/jobs.ts, domain/participation.ts), to put it back. */
function cantRow(ctx: BotContext, actionId: number, source: CantSource): InlineKeyboardButton[] {
  const render = (kind: "reminder.coming" | "reminder.cant") =>
    renderOutboxButton({ kind, actionId }, ctx.t) as { text: string; callback_data: string };
  const row = source === "r" ? [render("reminder.coming"), render("reminder.cant")] : [render("reminder.cant")];
  return row.map((b) => InlineKeyboard.text(b.text, b.callback_data));
}

const hasData = (row: InlineKeyboardButton[], data: string[]) =>
  row.some((b) => "callback_data" in b && data.includes(b.callback_data));

/**
 * The confirmation of "I can't" in place of its row: yes (leave), or back to the message's own buttons. The other
 * rows (the card, the map) stay as they are.
 */
export function withCantConfirm(
  ctx: BotContext,
  markup: InlineKeyboardMarkup | undefined,
  actionId: number,
  source: CantSource,
): InlineKeyboardMarkup {
  const confirm = [
    [InlineKeyboard.text(ctx.t("reminders.btn_cant_yes"), cb("rem", "ny", actionId))],
    [InlineKeyboard.text(ctx.t("common.back"), cb("rem", "nb", actionId, source))],
  ];
  const rows = markup?.inline_keyboard ?? [];
  const at = rows.findIndex((row) => hasData(row, [cb("rem", "no", actionId)]));
  if (at < 0) return { inline_keyboard: [...confirm, ...rows] };
  return { inline_keyboard: [...rows.slice(0, at), ...confirm, ...rows.slice(at + 1)] };
}

/** "Back" from the confirmation: its two rows become the message's own "I can't" row again; the rest stays. */
export function withoutCantConfirm(
  ctx: BotContext,
  markup: InlineKeyboardMarkup | undefined,
  actionId: number,
  source: CantSource,
): InlineKeyboardMarkup {
  const confirmData = [cb("rem", "ny", actionId), cb("rem", "nb", actionId, source)];
  const rows = markup?.inline_keyboard ?? [];
  const at = rows.findIndex((row) => hasData(row, confirmData));
  const rest = rows.filter((row) => !hasData(row, confirmData));
  const own = cantRow(ctx, actionId, source);
  if (at < 0) return { inline_keyboard: [own, ...rest] };
  return { inline_keyboard: [...rest.slice(0, at), own, ...rest.slice(at)] };
}
