import { InputFile } from "grammy";
import type { ConfirmedEntry } from "../../../domain/hours";
import { renderVolunteerBookPdfOffThread } from "../../../domain/pdf/off-thread";
import {
  type BookPeriod,
  dottedDay,
  findVolunteerBook,
  issueVolunteerBook,
  volunteerBookCsv,
  type IssuedBook,
} from "../../../domain/volunteer-book";
import { clipChars } from "../../../domain/text";
import { formatFullDate, formatHours } from "../../../i18n/format";
import { categoryName } from "../../keyboards";
import type { BotContext } from "../../context";
import { EXPENSIVE } from "../../middleware/rate-limit";
import { type DeepLink, deepLinkUrl } from "../../deep-links";
import { amount, dayInWords, plain } from "./views";
import { BOOK_NAME } from "./name.conversation";

const VERIFY_PREFIX = "v";

// ----- the volunteer book -----------------------------------------------------------------------------------------

/** /verify lists at most this many entries of a book (a message holds 4096 characters). */
const VERIFY_ENTRIES_SHOWN = 30;

function entryTitle(entry: Pick<ConfirmedEntry, "action" | "organization">): string {
  if (entry.action && entry.organization) return `${entry.organization} — ${entry.action}`;
  return entry.action ?? entry.organization ?? "—";
}

async function sendVolunteerBook(ctx: BotContext, book: IssuedBook, entries: ConfirmedEntry[]): Promise<void> {
  const { t, locale } = ctx;
  const link = deepLinkUrl(ctx.me.username, VERIFY_PREFIX, book.code);
  const period = `${dayInWords(book.periodFrom, locale, true)} — ${dayInWords(book.periodTo, locale, true)}`;
  const categoryNameOf = (category: string | null) => (category ? categoryName(t, category) : "—");

  const pdf = await renderVolunteerBookPdfOffThread({
    title: t("hours.pdf_title"),
    author: book.holderName,
    facts: [
      [t("hours.pdf_holder"), book.holderName],
      [t("hours.pdf_period"), period],
      [t("hours.pdf_issued"), formatFullDate(book.createdAt, locale)],
    ],
    columns: [t("hours.pdf_col_date"), t("hours.pdf_col_what"), t("hours.pdf_col_category"), t("hours.pdf_col_hours")],
    rows: entries.map((e) => [
      dottedDay(e.date),
      entryTitle(e),
      categoryNameOf(e.category),
      formatHours(e.hours, locale),
    ]),
    total: [t("hours.pdf_total"), formatHours(book.totalHours, locale)],
    code: [t("hours.pdf_code"), book.code],
    verification: [
      t("hours.pdf_verify_bot", { bot: ctx.me.username, code: book.code, ...plain }),
      t("hours.pdf_verify_link", { link, ...plain }),
      t("hours.pdf_note"),
    ],
  });
  const csv = volunteerBookCsv(entries, book, {
    holder: t("hours.csv_holder"),
    period: t("hours.csv_period"),
    code: t("hours.csv_code"),
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

/** A period without confirmed hours gets an alert that says so. */
export async function tellEmptyPeriod(ctx: BotContext, { from, to }: { from: string; to: string }): Promise<void> {
  await ctx.answerCallbackQuery({
    text: ctx.t("hours.book_empty", { from: dayInWords(from, ctx.locale), to: dayInWords(to, ctx.locale), ...plain }),
    show_alert: true,
  });
}

/** Issues (or reuses) the book of a period and sends it as a PDF and a CSV; an empty period is said in an alert. */
export async function sendBookFor(ctx: BotContext, period: BookPeriod): Promise<void> {
  const result = await issueVolunteerBook(ctx.deps.db, ctx.from!.id, period);
  if (result.status === "name_needed") {
    await ctx.answerCallbackQuery();
    await ctx.conversation.enter(BOOK_NAME, period);
    return;
  }
  if (result.status === "empty") return tellEmptyPeriod(ctx, result.range);
  await ctx.answerCallbackQuery({ text: ctx.t("hours.book_preparing") });
  await ctx.replyWithChatAction("upload_document");
  await sendVolunteerBook(ctx, result.book, result.entries);
}

// ----- /verify ----------------------------------------------------------------------------------------------------

/** Anyone (a university, an employer, a stranger who never used the bot) may check a code. */
export async function showVerification(ctx: BotContext, input: string): Promise<void> {
  const { t } = ctx;
  const typed = input.trim();
  if (!typed) {
    await ctx.reply(t("hours.verify_usage"));
    return;
  }
  // Limited after the usage check, for /verify and its deep link alike: it also slows down guessing codes.
  await EXPENSIVE.verify(ctx, () => answerVerification(ctx, typed));
}

async function answerVerification(ctx: BotContext, typed: string): Promise<void> {
  const { t, locale } = ctx;
  const book = await findVolunteerBook(ctx.deps.db, typed);
  if (!book) {
    await ctx.reply(t("hours.verify_unknown", { code: clipChars(typed, 24) }));
    return;
  }
  if (book.revokedAt || book.holderName === null) {
    await ctx.reply(
      t("privacy.book_revoked", { code: book.code, date: formatFullDate(book.revokedAt ?? book.createdAt, locale) }),
    );
    return;
  }
  const printed = book.printedEntries ?? [];
  const shown = printed.slice(0, VERIFY_ENTRIES_SHOWN).map((e) =>
    t("hours.verify_entry", {
      date: dottedDay(e.date),
      what: entryTitle(e),
      amount: amount(t, locale, e.hours),
    }),
  );
  if (printed.length > shown.length) shown.push(t("hours.verify_more", { count: printed.length - shown.length }));
  const entries = shown.length ? `\n\n${t("hours.verify_entries")}\n${shown.join("\n")}` : "";
  await ctx.reply(
    t("hours.verify_ok", {
      code: book.code,
      name: book.holderName,
      from: dayInWords(book.periodFrom, locale, true),
      to: dayInWords(book.periodTo, locale, true),
      amount: amount(t, locale, book.totalHours),
      count: book.entries,
      issued: formatFullDate(book.createdAt, locale),
    }) + entries,
  );
}

export const verifyDeepLink: DeepLink = {
  prefix: VERIFY_PREFIX,
  needsOnboarding: false,
  open: showVerification,
};
