import { InlineKeyboard } from "grammy";
import { CATEGORIES, CATEGORY_ICONS, isCategory } from "../../../domain/categories";
import { type HoursSummary, localDay, type PastAction } from "../../../domain/hours";
import { BOOK_PERIODS, dottedDay } from "../../../domain/volunteer-book";
import { clipChars } from "../../../domain/text";
import type { Locale, Translate } from "../../../i18n";
import { formatDate, formatFullDate, formatHours, formatMonth } from "../../../i18n/format";
import { cb } from "../../callback-data";
import { categoryName } from "../../keyboards";

// ----- formatting -------------------------------------------------------------------------------------------------

/** An amount of hours with the right plural, e.g. 2.5 hours in the user's language. */
export function amount(t: Translate, locale: Locale, value: number): string {
  return t("hours.amount", { count: value, hours: formatHours(value, locale) });
}

/**
 * A calendar day ("YYYY-MM-DD", already Asia/Almaty) in words; noon UTC is the same day there. The year is shown
 * when it is not the current one, or always (`full`: the volunteer book and its verification are documents).
 */
export function dayInWords(day: string, locale: Locale, full = false): string {
  const date = new Date(`${day}T12:00:00Z`);
  return full ? formatFullDate(date, locale) : formatDate(date, locale);
}

const monthInWords = formatMonth;

/** Plain text (a button, a PDF): i18next would HTML-escape the values otherwise. */
export const plain = { interpolation: { escapeValue: false } } as const;

// ----- /hours -----------------------------------------------------------------------------------------------------

const MONTHS_SHOWN = 12;

/** The "My hours" screen: totals, by category and by month, and the buttons to log hours or get the book. */
export function hoursView(
  t: Translate,
  locale: Locale,
  summary: HoursSummary,
): { text: string; keyboard: InlineKeyboard } {
  const keyboard = new InlineKeyboard()
    .text(t("hours.btn_log"), cb("h", "log"))
    .row()
    .text(t("hours.btn_book"), cb("h", "book"))
    .row()
    .text(t("common.back"), cb("m", "home"));
  if (summary.confirmed === 0 && summary.pending === 0) return { text: t("hours.empty"), keyboard };

  const line = (name: string, totals: { confirmed: number; pending: number }) => {
    const confirmed = amount(t, locale, totals.confirmed);
    const pending = amount(t, locale, totals.pending);
    if (totals.pending === 0) return t("hours.line", { name, confirmed });
    return t(totals.confirmed === 0 ? "hours.line_pending_only" : "hours.line_pending", { name, confirmed, pending });
  };
  const parts = [
    t("hours.summary", {
      confirmed: amount(t, locale, summary.confirmed),
      pending: amount(t, locale, summary.pending),
    }),
    ...(summary.pendingOutside > 0
      ? [t("hours.pending_outside", { amount: amount(t, locale, summary.pendingOutside) })]
      : []),
    [
      t("hours.by_category"),
      ...summary.byCategory.map((c) =>
        line(`${isCategory(c.category) ? CATEGORY_ICONS[c.category] : "✨"} ${categoryName(t, c.category)}`, c),
      ),
    ].join("\n"),
    [
      t("hours.by_month"),
      ...summary.byMonth.slice(0, MONTHS_SHOWN).map((m) => line(monthInWords(m.month, locale), m)),
    ].join("\n"),
  ];
  return { text: parts.join("\n\n"), keyboard };
}

// ----- the volunteer book -----------------------------------------------------------------------------------------

export function periodKeyboard(t: Translate): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const period of BOOK_PERIODS) kb.text(t(`hours.period_${period}`), cb("h", "bp", period)).row();
  return kb.text(t("common.back"), cb("m", "hours"));
}

// ----- logging hours (the conversation's keyboards) ---------------------------------------------------------------

/** The actions the user joined (title and day), then "another organization". */
export function logSourceKeyboard(t: Translate, joined: readonly PastAction[]): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const action of joined) {
    const label = `${clipChars(action.title, 40)} · ${dottedDay(localDay(new Date(action.startsAt)))}`;
    kb.text(label, cb("hl", "a", action.id)).row();
  }
  return kb.text(t("hours.btn_other_org"), cb("hl", "org"));
}

/** Two categories a row, then "skip". */
export function logCategoryKeyboard(t: Translate): InlineKeyboard {
  const kb = new InlineKeyboard();
  CATEGORIES.forEach((category, i) => {
    kb.text(`${CATEGORY_ICONS[category]} ${t(`categories.${category}`)}`, cb("hl", "c", category));
    if (i % 2 === 1) kb.row();
  });
  return kb.row().text(t("hours.btn_skip"), cb("hl", "cskip"));
}

/** Today, yesterday and, when it is older and still reportable, the action's day. */
export function logDayKeyboard(t: Translate, today: string, yesterday: string, actionDay?: string): InlineKeyboard {
  const kb = new InlineKeyboard()
    .text(t("hours.btn_today"), cb("hl", "d", today))
    .text(t("hours.btn_yesterday"), cb("hl", "d", yesterday));
  if (actionDay)
    kb.row().text(t("hours.btn_action_day", { date: dottedDay(actionDay), ...plain }), cb("hl", "d", actionDay));
  return kb;
}

export const logNoteKeyboard = (t: Translate) => new InlineKeyboard().text(t("hours.btn_skip"), cb("hl", "nskip"));

export const toHoursKeyboard = (t: Translate) => new InlineKeyboard().text(t("hours.btn_to_hours"), cb("m", "hours"));
