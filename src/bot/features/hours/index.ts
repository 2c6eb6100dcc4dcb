import { randomUUID } from "node:crypto";
import { Composer, InlineKeyboard, InputFile } from "grammy";
import { CATEGORIES, CATEGORY_ICONS, isCategory } from "../../../domain/categories";
import {
  type ConfirmedEntry,
  HoursError,
  hoursSummary,
  isIsoDay,
  isValidHours,
  localDay,
  MAX_NOTE_LENGTH,
  MAX_ORGANIZATION_LENGTH,
  pastJoinedActions,
  remainingHoursOn,
  reportableDays,
  reportHours,
  shiftDay,
} from "../../../domain/hours";
import { renderVolunteerBookPdfOffThread } from "../../../domain/pdf/off-thread";
import {
  BOOK_PERIODS,
  type BookPeriod,
  dottedDay,
  findVolunteerBook,
  isBookPeriod,
  issueVolunteerBook,
  volunteerBookCsv,
  type IssuedBook,
} from "../../../domain/volunteer-book";
import type { Locale, Translate } from "../../../i18n";
import { formatDate, formatHours, INTL_LOCALE } from "../../../i18n/format";
import { isOneOf } from "../../../core/one-of";
import { categoryName } from "../../keyboards";
import { requireConsent } from "../../consent";
import { requireProfile } from "../../profile";
import { showScreen, showStep } from "../../screen";
import { cb, cbPattern } from "../../callback-data";
import { EXPENSIVE } from "../../middleware/rate-limit";
import type { BotContext, BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";
import { cleanText, clipChars } from "../../../domain/text";
import { type DeepLink, deepLinkUrl } from "../../deep-links";

export const HOURS_LOG = "hoursLog";
const VERIFY_PREFIX = "v";

// ----- formatting -------------------------------------------------------------------------------------------------


/** An amount of hours with the right plural, e.g. 2.5 hours in the user's language. */
function amount(t: Translate, locale: Locale, value: number): string {
  return t("hours.amount", { count: value, hours: formatHours(value, locale) });
}

/** A calendar day ("YYYY-MM-DD", already Asia/Almaty) in words; noon UTC is the same day there. */
function dayInWords(day: string, locale: Locale): string {
  return formatDate(new Date(`${day}T12:00:00Z`), locale);
}

function monthInWords(month: string, locale: Locale): string {
  return new Intl.DateTimeFormat(INTL_LOCALE[locale], { month: "long", year: "numeric", timeZone: "UTC" }).format(
    new Date(`${month}-15T00:00:00Z`),
  );
}

/** Plain text (a button, a PDF): i18next would HTML-escape the values otherwise. */
const plain = { interpolation: { escapeValue: false } } as const;

/** Cut in characters, never inside a surrogate pair (domain/text.ts). */
const shorten = clipChars;

// ----- /hours -----------------------------------------------------------------------------------------------------

const MONTHS_SHOWN = 12;

async function hoursScreen(ctx: BotContext): Promise<{ text: string; keyboard: InlineKeyboard }> {
  const { t, locale } = ctx;
  const summary = await hoursSummary(ctx.deps.db, ctx.from!.id);
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
    t("hours.summary", { confirmed: amount(t, locale, summary.confirmed), pending: amount(t, locale, summary.pending) }),
    [
      t("hours.by_category"),
      ...summary.byCategory.map((c) =>
        line(`${isCategory(c.category) ? CATEGORY_ICONS[c.category] : "✨"} ${categoryName(t, c.category)}`, c),
      ),
    ].join("\n"),
    [t("hours.by_month"), ...summary.byMonth.slice(0, MONTHS_SHOWN).map((m) => line(monthInWords(m.month, locale), m))].join("\n"),
  ];
  return { text: parts.join("\n\n"), keyboard };
}

/** Hours belong to a profile: strangers are sent to /start first. */
async function requireOnboarded(ctx: BotContext): Promise<boolean> {
  if (ctx.user?.onboardedAt) return true;
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t("common.start_first"), show_alert: true });
  else await ctx.reply(ctx.t("common.start_first"));
  return false;
}


// ----- the volunteer book -----------------------------------------------------------------------------------------

function periodKeyboard(t: Translate): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const period of BOOK_PERIODS) kb.text(t(`hours.period_${period}`), cb("h", "bp", period)).row();
  return kb.text(t("common.back"), cb("m", "hours"));
}

function entryTitle(entry: ConfirmedEntry): string {
  if (entry.action && entry.organization) return `${entry.organization} — ${entry.action}`;
  return entry.action ?? entry.organization ?? "—";
}

async function sendVolunteerBook(ctx: BotContext, book: IssuedBook, entries: ConfirmedEntry[]): Promise<void> {
  const { t, locale } = ctx;
  const link = deepLinkUrl(ctx.me.username, VERIFY_PREFIX, book.code);
  const period = `${dayInWords(book.periodFrom, locale)} — ${dayInWords(book.periodTo, locale)}`;
  const categoryNameOf = (category: string | null) => (category ? categoryName(t, category) : "—");

  const pdf = await renderVolunteerBookPdfOffThread({
    title: t("hours.pdf_title"),
    author: book.holderName,
    facts: [
      [t("hours.pdf_holder"), book.holderName],
      [t("hours.pdf_period"), period],
      [t("hours.pdf_issued"), formatDate(book.createdAt, locale)],
    ],
    columns: [t("hours.pdf_col_date"), t("hours.pdf_col_what"), t("hours.pdf_col_category"), t("hours.pdf_col_hours")],
    rows: entries.map((e) => [dottedDay(e.date), entryTitle(e), categoryNameOf(e.category), formatHours(e.hours, locale)]),
    total: [t("hours.pdf_total"), formatHours(book.totalHours, locale)],
    code: [t("hours.pdf_code"), book.code],
    verification: [
      t("hours.pdf_verify_bot", { bot: ctx.me.username, code: book.code, ...plain }),
      t("hours.pdf_verify_link", { link, ...plain }),
      t("hours.pdf_note"),
    ],
  });
  const csv = volunteerBookCsv(entries, book.totalHours, {
    date: t("hours.pdf_col_date"),
    organization: t("hours.csv_col_organization"),
    action: t("hours.csv_col_action"),
    category: t("hours.pdf_col_category"),
    hours: t("hours.pdf_col_hours"),
    total: t("hours.pdf_total"),
    categoryName: categoryNameOf,
  });

  await ctx.replyWithDocument(new InputFile(pdf, `erikti-book-${book.code}.pdf`), {
    caption: t("hours.book_caption", {
      period,
      amount: amount(t, locale, book.totalHours),
      entries: t("hours.entries", { count: book.entries }),
      code: book.code,
      link,
    }),
  });
  await ctx.replyWithDocument(new InputFile(csv, `erikti-book-${book.code}.csv`), { caption: t("hours.csv_caption") });
}

// ----- /verify ----------------------------------------------------------------------------------------------------

/** Anyone (a university, an employer, a stranger who never used the bot) may check a code. */
async function showVerification(ctx: BotContext, input: string): Promise<void> {
  const { t, locale } = ctx;
  const typed = input.trim();
  if (!typed) {
    await ctx.reply(t("hours.verify_usage"));
    return;
  }
  const book = await findVolunteerBook(ctx.deps.db, typed);
  if (!book) {
    await ctx.reply(t("hours.verify_unknown", { code: shorten(typed, 24) }));
    return;
  }
  if (book.revokedAt || book.holderName === null) {
    await ctx.reply(t("privacy.book_revoked", { code: book.code, date: formatDate(book.revokedAt ?? book.createdAt, locale) }));
    return;
  }
  await ctx.reply(
    t("hours.verify_ok", {
      code: book.code,
      name: book.holderName,
      from: dayInWords(book.periodFrom, locale),
      to: dayInWords(book.periodTo, locale),
      amount: amount(t, locale, book.totalHours),
      count: book.entries,
      issued: formatDate(book.createdAt, locale),
    }),
  );
}

export const verifyDeepLink: DeepLink = {
  prefix: VERIFY_PREFIX,
  needsOnboarding: false,
  open: showVerification,
};

// ----- self-reported hours: a conversation ------------------------------------------------------------------------

/** "12.03.2026" (also 12/03/2026, 12-03-2026, 1.3.2026) → "2026-03-12"; undefined when it is not a real day. */
function parseTypedDay(text: string): string | undefined {
  const match = /^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$/.exec(text);
  if (!match) return undefined;
  const day = `${match[3]}-${match[2]!.padStart(2, "0")}-${match[1]!.padStart(2, "0")}`;
  return isIsoDay(day) ? day : undefined;
}

/** "2,5", "2.5", "3" → a number; undefined for anything else. */
function parseTypedHours(text: string): number | undefined {
  const match = /^\s*(\d{1,2})(?:[.,](\d))?\s*$/.exec(text);
  if (!match) return undefined;
  const hours = Number(`${match[1]}.${match[2] ?? "0"}`);
  return isValidHours(hours) ? hours : undefined;
}

interface Target {
  actionId?: number;
  organizationName?: string;
  category?: string;
  /** What the user sees: the action's title or the organization. */
  what: string;
  /** The action's day, offered as a date button. */
  actionDay?: string;
}

/** Bump when the steps change (bot/conversations/registry.ts). */
const HOURS_LOG_VERSION = 2;

async function logHours(conversation: BotConversation, ctx: InnerContext): Promise<void> {
  const { t, locale } = ctx;
  const { db } = ctx.deps;
  const userId = ctx.from!.id;
  // Kept in the log from the first step on: a replay of the save after a crash finds the stored claim.
  const idempotencyKey = await conversation.external(() => `hl:${randomUUID()}`);
  const now = new Date(await conversation.now());
  const { earliest, latest: today } = reportableDays(now);
  const joined = await conversation.external(() => pastJoinedActions(db, userId, now));

  // 1. An action the user joined, or another organization
  let target: Target | undefined;
  if (joined.length > 0) {
    const kb = new InlineKeyboard();
    for (const action of joined) {
      const label = `${shorten(action.title, 40)} · ${dottedDay(localDay(new Date(action.startsAt)))}`;
      kb.text(label, cb("hl", "a", action.id)).row();
    }
    kb.text(t("hours.btn_other_org"), cb("hl", "org"));
    await ctx.reply(t("hours.log_source_prompt"), { reply_markup: kb });
    const pick = await conversation
      .waitForCallbackQuery([cbPattern("hl", "a", 1), cbPattern("hl", "org")], { otherwise: hint("hours.log_source_hint") })
      .andFrom(userId);
    if (pick.match[1] === undefined) {
      await pick.answerCallbackQuery();
      await showStep(pick, t("hours.log_org_prompt", { max: MAX_ORGANIZATION_LENGTH }));
    } else {
      // Only the actions offered here: an id from elsewhere is a stale or forged button.
      const action = joined.find((a) => String(a.id) === pick.match[1]);
      if (!action) return reject(conversation, pick, t("common.stale_button"));
      await pick.answerCallbackQuery();
      await showStep(pick, t("hours.log_source_chosen", { title: action.title }));
      target = { actionId: action.id, what: action.title, actionDay: localDay(new Date(action.startsAt)) };
    }
  } else {
    await ctx.reply(t("hours.log_org_prompt", { max: MAX_ORGANIZATION_LENGTH }));
  }

  if (!target) {
    const orgHint = t("hours.log_org_hint", { max: MAX_ORGANIZATION_LENGTH });
    const reply = await conversation.waitFor("message:text", { otherwise: hint("hours.log_org_hint", { max: MAX_ORGANIZATION_LENGTH }) }).andFrom(userId);
    const checked = cleanText(reply.message.text, { max: MAX_ORGANIZATION_LENGTH });
    if ("error" in checked || checked.text.startsWith("/")) return reject(conversation, reply, orgHint);
    const organizationName = checked.text;
    const kb = new InlineKeyboard();
    CATEGORIES.forEach((category, i) => {
      kb.text(`${CATEGORY_ICONS[category]} ${t(`categories.${category}`)}`, cb("hl", "c", category));
      if (i % 2 === 1) kb.row();
    });
    kb.row().text(t("hours.btn_skip"), cb("hl", "cskip"));
    await ctx.reply(t("hours.log_category_prompt", { name: organizationName }), { reply_markup: kb });
    const pick = await conversation
      .waitForCallbackQuery([cbPattern("hl", "c", 1), cbPattern("hl", "cskip")], { otherwise: hint("hours.log_category_hint") })
      .andFrom(userId);
    const category = pick.match[1];
    if (category !== undefined && !isCategory(category)) return reject(conversation, pick, t("common.stale_button"));
    await pick.answerCallbackQuery();
    await showStep(pick, 
      t("hours.log_org_chosen", { name: organizationName, category: category ? t(`categories.${category}`) : "—" }),
    );
    target = { organizationName, category, what: organizationName };
  }

  // 2. The day: today, yesterday, the action's day, or typed
  const yesterday = shiftDay(today, { days: -1 });
  const example = dottedDay(yesterday);
  const dayKb = new InlineKeyboard().text(t("hours.btn_today"), cb("hl", "d", today)).text(t("hours.btn_yesterday"), cb("hl", "d", yesterday));
  if (target.actionDay && target.actionDay < yesterday && target.actionDay >= earliest) {
    dayKb.row().text(t("hours.btn_action_day", { date: dottedDay(target.actionDay), ...plain }), cb("hl", "d", target.actionDay));
  }
  await ctx.reply(t("hours.log_date_prompt", { example }), { reply_markup: dayKb });
  const answer = await conversation
    .waitFor(["callback_query:data", "message:text"], { otherwise: hint("hours.log_date_hint", { example }) })
    .andFrom(userId);
  const picked = answer.callbackQuery
    ? /^hl:d:(\d{4}-\d{2}-\d{2})$/.exec(answer.callbackQuery.data ?? "")?.[1]
    : parseTypedDay(answer.message!.text!);
  if (!picked || !isIsoDay(picked)) {
    return reject(conversation, answer, answer.callbackQuery ? t("common.stale_button") : t("hours.log_date_hint", { example }));
  }
  const day = picked;
  if (day > today) return reject(conversation, answer, t("hours.log_date_future"), true);
  if (day < earliest) return reject(conversation, answer, t("hours.log_date_too_old", { date: dayInWords(earliest, locale) }), true);
  const remaining = await conversation.external(() => remainingHoursOn(db, userId, day));
  if (remaining < 0.5) return reject(conversation, answer, t("hours.log_day_full", { date: dayInWords(day, locale) }), true);
  if (answer.callbackQuery) {
    await answer.answerCallbackQuery();
    await showStep(answer, t("hours.log_date_chosen", { date: dayInWords(day, locale) }));
  }

  // 3. How many hours
  await ctx.reply(t("hours.log_hours_prompt"));
  const typed = await conversation.waitFor("message:text", { otherwise: hint("hours.log_hours_hint") }).andFrom(userId);
  const hours = parseTypedHours(typed.message.text);
  if (hours === undefined) return reject(conversation, typed, t("hours.log_hours_hint"));
  if (hours > remaining) {
    return reject(conversation, typed, t("hours.log_hours_limit", { date: dayInWords(day, locale), amount: amount(t, locale, remaining) }));
  }

  // 4. An optional note
  await ctx.reply(t("hours.log_note_prompt", { max: MAX_NOTE_LENGTH }), {
    reply_markup: new InlineKeyboard().text(t("hours.btn_skip"), cb("hl", "nskip")),
  });
  const noteAnswer = await conversation
    .waitFor(["callback_query:data", "message:text"], { otherwise: hint("hours.log_note_hint", { max: MAX_NOTE_LENGTH }) })
    .andFrom(userId);
  let note: string | undefined;
  if (noteAnswer.callbackQuery) {
    if (noteAnswer.callbackQuery.data !== cb("hl", "nskip")) return reject(conversation, noteAnswer, t("common.stale_button"));
    await noteAnswer.answerCallbackQuery();
    await noteAnswer.editMessageReplyMarkup();
  } else {
    const checked = cleanText(noteAnswer.message!.text, { max: MAX_NOTE_LENGTH, multiline: true });
    if ("error" in checked || checked.text.startsWith("/")) return reject(conversation, noteAnswer, t("hours.log_note_hint", { max: MAX_NOTE_LENGTH }));
    note = checked.text;
  }

  // 5. Save (the domain checks everything again: the daily limit may have changed meanwhile)
  const report = {
    userId,
    actionId: target.actionId,
    organizationName: target.organizationName,
    category: target.category,
    date: day,
    hours,
    note,
    idempotencyKey,
  };
  const outcome = await conversation.external(async () => {
    try {
      await reportHours(db, report);
      return { ok: true as const };
    } catch (error) {
      if (error instanceof HoursError) return { ok: false as const, code: error.code, remaining: error.remaining ?? 0 };
      throw error;
    }
  });
  const back = new InlineKeyboard().text(t("hours.btn_to_hours"), cb("m", "hours"));
  if (outcome.ok) {
    await ctx.reply(t("hours.log_saved", { amount: amount(t, locale, hours), date: dayInWords(day, locale), what: target.what }), {
      reply_markup: back,
    });
    return;
  }
  const known = ["daily_limit", "already_reported", "not_participant", "consent_required"] as const;
  await ctx.reply(
    t(isOneOf(known, outcome.code) ? `hours.error_${outcome.code}` : "hours.error_generic", {
      amount: amount(t, locale, outcome.remaining),
    }),
    { reply_markup: back },
  );
}

// ----- wiring -----------------------------------------------------------------------------------------------------

export const hoursFeature = new Composer<BotContext>();
/** Conversations of this feature, created with createConversation(); installed after the conversations plugin. */
export const hoursConversations: ConversationSpec[] = [defineConversation(HOURS_LOG, HOURS_LOG_VERSION, "chats.dropped_hoursLog", logHours)];

hoursFeature.command("hours", async (ctx) => {
  if (!(await requireOnboarded(ctx))) return;
  const screen = await hoursScreen(ctx);
  await ctx.reply(screen.text, { reply_markup: screen.keyboard });
});

hoursFeature.callbackQuery(cbPattern("m", "hours"), async (ctx) => {
  if (!(await requireOnboarded(ctx))) return;
  await ctx.answerCallbackQuery();
  const screen = await hoursScreen(ctx);
  await showScreen(ctx, screen.text, screen.keyboard);
});

hoursFeature.callbackQuery(cbPattern("h", "log"), async (ctx) => {
  if (!(await requireOnboarded(ctx)) || !(await requireConsent(ctx)) || !(await requireProfile(ctx))) return;
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(HOURS_LOG);
});

hoursFeature.callbackQuery(cbPattern("h", "book"), async (ctx) => {
  if (!(await requireOnboarded(ctx)) || !(await requireConsent(ctx))) return;
  await ctx.answerCallbackQuery();
  await showScreen(ctx, ctx.t("hours.book_prompt"), periodKeyboard(ctx.t));
});

hoursFeature.callbackQuery(cbPattern("h", "bp", 1), async (ctx) => {
  const period = ctx.match[1];
  if (!isBookPeriod(period)) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  if (!(await requireOnboarded(ctx)) || !(await requireConsent(ctx))) return;
  // Limited after the cheap checks, so a stale or refused press never uses up the user's allowance.
  await EXPENSIVE.book(ctx, () => sendBookFor(ctx, period));
});

async function sendBookFor(ctx: BotContext, period: BookPeriod): Promise<void> {
  const result = await issueVolunteerBook(ctx.deps.db, ctx.from!.id, period);
  if (result.status === "empty") {
    const { from, to } = result.range;
    await ctx.answerCallbackQuery({
      text: ctx.t("hours.book_empty", { from: dayInWords(from, ctx.locale), to: dayInWords(to, ctx.locale), ...plain }),
      show_alert: true,
    });
    return;
  }
  await ctx.answerCallbackQuery({ text: ctx.t("hours.book_preparing") });
  await ctx.replyWithChatAction("upload_document");
  await sendVolunteerBook(ctx, result.book, result.entries);
}

hoursFeature.command("verify", EXPENSIVE.verify, (ctx) => showVerification(ctx, ctx.match));
