/**
 * Dates and numbers as people read them, in Asia/Almaty: the one place that formats a date for a person.
 *
 * Explicit formats, never a CLDR "medium" style (which gives Kazakh readers "2026 ж. 05 мам., 09:30"): the weekday,
 * the day, the month in words, the time on 24 hours, the year only when it is not the current one, and
 * "today" / "tomorrow" where true. Month and weekday names are written here rather than taken from ICU, so a Node
 * built with small-icu or a CLDR update cannot change what users read (test/unit/format.test.ts pins the output).
 *
 *                    kk                                    ru
 *   today            бүгін, 18:00                          сегодня в 18:00
 *   tomorrow         ертең, 09:30                          завтра в 09:30
 *   this year        5 мамыр, сейсенбі, 09:30              вт, 5 мая в 09:30
 *   another year     2027 ж. 5 мамыр, сейсенбі, 09:30      5 мая 2027, ср, 09:30
 *   same-day range   бүгін, 18:00–20:00                    сегодня в 18:00–20:00
 *
 * Kazakh writes the month in the nominative after the day ("5 мамыр") and the year first with "ж." (as in the
 * official written form "2026 ж. 5 мамыр"); Russian puts the month in the genitive ("5 мая").
 */
import { ALMATY_OFFSET_MS, DAY_MS, TIME_ZONE } from "../core/time";
import type { Locale } from "./index";

export { TIME_ZONE };
export const INTL_LOCALE: Record<Locale, string> = { kk: "kk-KZ", ru: "ru-RU" };

/** Hours (or any amount) with at most one decimal, in the user's locale: "2,5". */
export function formatHours(value: number, locale: Locale): string {
  return new Intl.NumberFormat(INTL_LOCALE[locale], { maximumFractionDigits: 1 }).format(value);
}

// ----- names ------------------------------------------------------------------------------------------------------

const KK_MONTHS = [
  "қаңтар",
  "ақпан",
  "наурыз",
  "сәуір",
  "мамыр",
  "маусым",
  "шілде",
  "тамыз",
  "қыркүйек",
  "қазан",
  "қараша",
  "желтоқсан",
];
/** Genitive, after a day number: "5 мая". */
const RU_MONTHS_OF = [
  "января",
  "февраля",
  "марта",
  "апреля",
  "мая",
  "июня",
  "июля",
  "августа",
  "сентября",
  "октября",
  "ноября",
  "декабря",
];
/** Nominative, a month on its own: "Март 2026 г.". */
const RU_MONTHS = [
  "январь",
  "февраль",
  "март",
  "апрель",
  "май",
  "июнь",
  "июль",
  "август",
  "сентябрь",
  "октябрь",
  "ноябрь",
  "декабрь",
];
/** Monday first. Kazakh short weekday forms ("сс", "жс") are opaque to readers: only the full names are used. */
const KK_WEEKDAYS = ["дүйсенбі", "сейсенбі", "сәрсенбі", "бейсенбі", "жұма", "сенбі", "жексенбі"];
const RU_WEEKDAYS = ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"];
const RU_WEEKDAYS_SHORT = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"];

const TODAY: Record<Locale, string> = { kk: "бүгін", ru: "сегодня" };
const TOMORROW: Record<Locale, string> = { kk: "ертең", ru: "завтра" };

// ----- local calendar (Asia/Almaty is UTC+5 all year: see core/time.ts) ------------------------------------------

interface LocalParts {
  /** Days since 1970-01-01 in Almaty: equal numbers are the same local day. */
  dayNumber: number;
  year: number;
  /** 0–11 */
  month: number;
  day: number;
  /** 0 = Monday … 6 = Sunday */
  weekday: number;
  hour: number;
  minute: number;
}

function local(date: Date): LocalParts {
  const ms = date.getTime() + ALMATY_OFFSET_MS;
  const d = new Date(ms);
  return {
    dayNumber: Math.floor(ms / DAY_MS),
    year: d.getUTCFullYear(),
    month: d.getUTCMonth(),
    day: d.getUTCDate(),
    weekday: (d.getUTCDay() + 6) % 7,
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
}

const pad = (n: number) => String(n).padStart(2, "0");
const hhmm = (p: Pick<LocalParts, "hour" | "minute">) => `${pad(p.hour)}:${pad(p.minute)}`;

/** "today" / "tomorrow" when true, else undefined. */
function relativeDay(p: LocalParts, now: LocalParts, locale: Locale): string | undefined {
  if (p.dayNumber === now.dayNumber) return TODAY[locale];
  if (p.dayNumber === now.dayNumber + 1) return TOMORROW[locale];
  return undefined;
}

/** The day part of a date and time: "5 мамыр, сейсенбі" / "вт, 5 мая", with the year when it is not `now`'s. */
function dayPart(p: LocalParts, now: LocalParts, locale: Locale): string {
  const withYear = p.year !== now.year;
  if (locale === "kk") {
    const date = `${p.day} ${KK_MONTHS[p.month]}, ${KK_WEEKDAYS[p.weekday]}`;
    return withYear ? `${p.year} ж. ${date}` : date;
  }
  return withYear
    ? `${p.day} ${RU_MONTHS_OF[p.month]} ${p.year}, ${RU_WEEKDAYS_SHORT[p.weekday]}`
    : `${RU_WEEKDAYS_SHORT[p.weekday]}, ${p.day} ${RU_MONTHS_OF[p.month]}`;
}

/** Joins a day and a time: kk "…, 09:30"; ru "… в 09:30", but "5 мая 2027, ср, 09:30" after a year. */
function joinTime(day: string, time: string, locale: Locale, withYear: boolean): string {
  return locale === "ru" && !withYear ? `${day} в ${time}` : `${day}, ${time}`;
}

function dateTimeOf(p: LocalParts, now: LocalParts, locale: Locale, time = hhmm(p), relativeOk = true): string {
  const relative = relativeOk ? relativeDay(p, now, locale) : undefined;
  if (relative) return joinTime(relative, time, locale, false);
  return joinTime(dayPart(p, now, locale), time, locale, p.year !== now.year);
}

// ----- what the bot shows -----------------------------------------------------------------------------------------

/**
 * A moment people plan around (an action's start, a reminder): kk `бүгін, 18:00`, `ертең, 09:30`,
 * `5 мамыр, сейсенбі, 09:30`, `2027 ж. 5 мамыр, сәрсенбі, 09:30`; ru `сегодня в 18:00`, `завтра в 09:30`,
 * `вт, 5 мая в 09:30`, `5 мая 2027, ср, 09:30`. `now` decides "today", "tomorrow" and whether to show the year;
 * `relative: false` for text read later by someone else (a shared link): never "today" / "tomorrow".
 */
export function formatDateTime(
  date: Date,
  locale: Locale,
  now: Date = new Date(),
  { relative = true }: { relative?: boolean } = {},
): string {
  const p = local(date);
  return dateTimeOf(p, local(now), locale, hhmm(p), relative);
}

/**
 * From start to end: one day, one date (`сегодня в 18:00–20:00`, `5 мамыр, сейсенбі, 09:30–12:30`; an end at the
 * midnight after the start's day is that day's 24:00); across days, both in full (`… 18:00 – ертең, 10:00`).
 */
export function formatDateTimeRange(start: Date, end: Date, locale: Locale, now: Date = new Date()): string {
  const s = local(start);
  const e = local(end);
  const n = local(now);
  const endsAtMidnight = e.dayNumber === s.dayNumber + 1 && e.hour === 0 && e.minute === 0;
  if (e.dayNumber === s.dayNumber || endsAtMidnight) {
    const endTime = endsAtMidnight ? "24:00" : hhmm(e);
    return dateTimeOf(s, n, locale, hhmm(s) === endTime ? endTime : `${hhmm(s)}–${endTime}`);
  }
  return `${dateTimeOf(s, n, locale)} – ${dateTimeOf(e, n, locale)}`;
}

/**
 * A calendar day inside a sentence ("{{date}} күнінен", "за {{date}}"): kk `5 мамыр`, ru `5 мая`; another year
 * kk `2027 ж. 5 мамыр`, ru `5 мая 2027 г.`. Never "today": Kazakh helper nouns follow it ("бүгін күнінен" is wrong).
 */
export function formatDate(date: Date, locale: Locale, now: Date = new Date()): string {
  const p = local(date);
  return p.year === local(now).year ? dayMonth(p, locale) : fullDate(p, locale);
}

/** A date with its year always (documents: the volunteer book, its verification): `2026 ж. 5 мамыр`, `5 мая 2026 г.` */
export function formatFullDate(date: Date, locale: Locale): string {
  return fullDate(local(date), locale);
}

const dayMonth = (p: LocalParts, locale: Locale) =>
  locale === "kk" ? `${p.day} ${KK_MONTHS[p.month]}` : `${p.day} ${RU_MONTHS_OF[p.month]}`;

const fullDate = (p: LocalParts, locale: Locale) =>
  locale === "kk" ? `${p.year} ж. ${dayMonth(p, locale)}` : `${dayMonth(p, locale)} ${p.year} г.`;

/**
 * Which day, for people who plan by weekday (club meetings): kk `5 мамыр, сейсенбі`, ru `вторник, 5 мая`;
 * today and tomorrow: kk `бүгін, сейсенбі`, ru `сегодня, вторник`; another year: `2027 ж. 5 мамыр, сәрсенбі`,
 * `среда, 5 мая 2027 г.`.
 */
export function formatWeekdayDate(date: Date, locale: Locale, now: Date = new Date()): string {
  const p = local(date);
  const n = local(now);
  const weekday = (locale === "kk" ? KK_WEEKDAYS : RU_WEEKDAYS)[p.weekday];
  const relative = relativeDay(p, n, locale);
  if (relative) return `${relative}, ${weekday}`;
  const date_ = p.year === n.year ? dayMonth(p, locale) : fullDate(p, locale);
  return locale === "kk" ? `${date_}, ${weekday}` : `${weekday}, ${date_}`;
}

/** A local time of day (Asia/Almaty), 24 h: 09:30. */
export function formatTime(date: Date, _locale?: Locale): string {
  return hhmm(local(date));
}

/** A month ("YYYY-MM") heading a line: kk `2026 ж. наурыз`, ru `Март 2026 г.`. */
export function formatMonth(month: string, locale: Locale): string {
  const [year, m] = month.split("-").map(Number) as [number, number];
  if (locale === "kk") return `${year} ж. ${KK_MONTHS[m - 1]}`;
  const name = RU_MONTHS[m - 1] ?? "";
  return `${name.charAt(0).toUpperCase()}${name.slice(1)} ${year} г.`;
}

/** The first letter in capitals, for a date that begins a line ("Бүгін, сейсенбі"). */
export function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
