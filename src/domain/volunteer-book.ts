import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, gte, isNull, lte } from "drizzle-orm";
import type { Database } from "../db/client";
import { hourEntries, users, type VolunteerBook, volunteerBooks } from "../db/schema";
import { type ConfirmedEntry, confirmedEntries, firstConfirmedDay, localDay, shiftDay } from "./hours";
import { DomainError, hasConsent } from "./users";
import { isOneOf } from "../core/one-of";

export type { VolunteerBook };
/** A book that has not been revoked: it has a holder. */
export type IssuedBook = VolunteerBook & { userId: number; holderName: string };

export const BOOK_PERIODS = ["semester", "year", "12m", "all"] as const;
export type BookPeriod = (typeof BOOK_PERIODS)[number];

export function isBookPeriod(value: unknown): value is BookPeriod {
  return isOneOf(BOOK_PERIODS, value);
}

export interface DayRange {
  from: string;
  to: string;
}

/**
 * The days a period covers, for "today" in Asia/Almaty. Semesters run Sep 1–Jan 31 and Feb 1–Jun 30; in the summer
 * break "this semester" is the spring one just finished.
 */
export function periodRange(period: Exclude<BookPeriod, "all">, today: string): DayRange {
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7));
  switch (period) {
    case "semester":
      if (month >= 9) return { from: `${year}-09-01`, to: `${year + 1}-01-31` };
      if (month === 1) return { from: `${year - 1}-09-01`, to: `${year}-01-31` };
      return { from: `${year}-02-01`, to: `${year}-06-30` };
    case "year":
      return { from: `${year}-01-01`, to: `${year}-12-31` };
    case "12m":
      return { from: shiftDay(today, { years: -1, days: 1 }), to: today };
  }
}

// Unambiguous when read aloud or typed: no 0/O, 1/I. 32 symbols, so a random byte maps without bias (5 bits each).
const CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
export const CODE_LENGTH = 10;
const CODE_PATTERN = new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`);

export function newBookCode(): string {
  return [...randomBytes(CODE_LENGTH)].map((byte) => CODE_ALPHABET[byte & 31]).join("");
}

/** A code as people type it (lower case, spaces, dashes) → the stored form, or undefined when it cannot be one. */
export function normalizeBookCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, "");
  return CODE_PATTERN.test(code) ? code : undefined;
}

export type IssueResult =
  | { status: "issued"; book: IssuedBook; entries: ConfirmedEntry[]; reused: boolean }
  | { status: "empty"; range: DayRange }
  /** The holder has not given the full name a book prints (asked once, changeable in settings). */
  | { status: "name_needed" };

/** What the book prints, as a fingerprint: the same entries give the same hash. */
export function entriesFingerprint(entries: readonly ConfirmedEntry[]): string {
  const printed = entries.map((e) => [e.date, e.action, e.organization, e.category, e.hours]);
  return createHash("sha256").update(JSON.stringify(printed)).digest("base64url");
}

/**
 * Issues a volunteer book of the user's confirmed hours for a period under a verification code. The same period
 * with the same entries (and holder name) reuses the book already issued, with its code: pressing again never
 * makes another. The holder's name is a snapshot, so it needs consent (without it no name is stored).
 */
export async function issueVolunteerBook(
  db: Database,
  userId: number,
  period: BookPeriod,
  now = new Date(),
): Promise<IssueResult> {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  if (!user) throw new DomainError("user_not_found");
  if (!hasConsent(user)) throw new DomainError("consent_required");
  const range = await bookRange(db, userId, period, now);
  const entries = await confirmedEntries(db, userId, range.from, range.to, user.language === "ru" ? "ru" : "kk");
  if (entries.length === 0) return { status: "empty", range };
  if (!user.fullName) return { status: "name_needed" };
  const holderName = user.fullName;
  const entriesHash = entriesFingerprint(entries);
  const [existing] = await db
    .select()
    .from(volunteerBooks)
    .where(
      and(
        eq(volunteerBooks.userId, userId),
        eq(volunteerBooks.periodFrom, range.from),
        eq(volunteerBooks.periodTo, range.to),
        eq(volunteerBooks.entriesHash, entriesHash),
        eq(volunteerBooks.holderName, holderName),
        isNull(volunteerBooks.revokedAt),
      ),
    )
    .orderBy(desc(volunteerBooks.createdAt))
    .limit(1);
  if (existing) return { status: "issued", book: existing as IssuedBook, entries, reused: true };

  const totalHours = Math.round(entries.reduce((sum, e) => sum + e.hours * 10, 0)) / 10;
  for (;;) {
    const [book] = await db
      .insert(volunteerBooks)
      .values({
        code: newBookCode(),
        userId,
        periodFrom: range.from,
        periodTo: range.to,
        totalHours,
        entries: entries.length,
        holderName,
        entriesHash,
        printedEntries: entries.map((e) => ({
          date: e.date,
          organization: e.organization,
          action: e.action,
          hours: e.hours,
        })),
      })
      .onConflictDoNothing()
      .returning();
    if (book) return { status: "issued", book: book as IssuedBook, entries, reused: false };
  }
}

async function bookRange(db: Database, userId: number, period: BookPeriod, now: Date): Promise<DayRange> {
  const today = localDay(now);
  return period === "all"
    ? { from: (await firstConfirmedDay(db, userId)) ?? today, to: today }
    : periodRange(period, today);
}

/** The days a book of this period would cover, and whether it would have no confirmed entries. */
export async function bookPeriodWithHours(
  db: Database,
  userId: number,
  period: BookPeriod,
  now = new Date(),
): Promise<{ range: DayRange; empty: boolean }> {
  const range = await bookRange(db, userId, period, now);
  const [first] = await db
    .select({ id: hourEntries.id })
    .from(hourEntries)
    .where(
      and(
        eq(hourEntries.userId, userId),
        eq(hourEntries.status, "confirmed"),
        gte(hourEntries.activityDate, range.from),
        lte(hourEntries.activityDate, range.to),
      ),
    )
    .limit(1);
  return { range, empty: !first };
}

/** The book with this code, revoked ones too (their holder is erased: check revokedAt). */
export async function findVolunteerBook(db: Database, code: string): Promise<VolunteerBook | undefined> {
  const normalized = normalizeBookCode(code);
  if (!normalized) return undefined;
  const [book] = await db.select().from(volunteerBooks).where(eq(volunteerBooks.code, normalized));
  return book;
}

// ----- CSV --------------------------------------------------------------------------------------------------------

export interface CsvLabels {
  holder: string;
  period: string;
  code: string;
  date: string;
  organization: string;
  action: string;
  category: string;
  hours: string;
  total: string;
  categoryName(category: string | null): string;
}

/** "2026-03-12" → "12.03.2026", as Excel in the kk/ru locales reads a date. */
export function dottedDay(day: string): string {
  return day.split("-").reverse().join(".");
}

/** Decimal comma, matching the semicolon-separated CSV that Excel opens in the kk/ru locales. */
export function decimalComma(value: number): string {
  return String(Math.round(value * 10) / 10).replace(".", ",");
}

function csvField(value: string): string {
  // A leading = + - @ would run as a formula in a spreadsheet; a quote mark keeps it text.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The book as CSV (csvDocument): holder, period and code, then a header, the entries and a total row. */
export function volunteerBookCsv(
  entries: readonly ConfirmedEntry[],
  book: Pick<IssuedBook, "holderName" | "periodFrom" | "periodTo" | "code" | "totalHours">,
  labels: CsvLabels,
): Buffer {
  const total = book.totalHours;
  const rows = [
    [labels.holder, book.holderName],
    [labels.period, `${dottedDay(book.periodFrom)} — ${dottedDay(book.periodTo)}`],
    [labels.code, book.code],
    [],
    [labels.date, labels.organization, labels.action, labels.category, labels.hours],
    ...entries.map((e) => [
      dottedDay(e.date),
      e.organization ?? "",
      e.action ?? "",
      labels.categoryName(e.category),
      decimalComma(e.hours),
    ]),
    [labels.total, "", "", "", decimalComma(total)],
  ];
  return csvDocument(rows);
}

/** Rows as a CSV file Excel opens in the kk/ru locales: UTF-8 with a BOM, semicolons, CRLF lines, safe fields. */
export function csvDocument(rows: ReadonlyArray<readonly string[]>): Buffer {
  const text = `${rows.map((row) => row.map(csvField).join(";")).join("\r\n")}\r\n`;
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]);
}
