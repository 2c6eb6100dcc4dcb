import { ALMATY_OFFSET_MS, DAY_MS, localMoment } from "../core/time";

/**
 * What organizers type for an action's start and end, in the forms people in Kazakhstan write (Asia/Almaty):
 * `05.12 10:00`, `5.12.2026 10:00`, `05/12 10.00`, `ертең 10:00` / `завтра 10:00`, `бүгін 18:30` / `сегодня 18:30`,
 * `бүрсігүні 9:00` / `послезавтра 9:00`, or `10:00` alone (today). Pure functions: `now` is passed in.
 */

export type StartProblem = "format" | "no_such_date" | "past" | "too_far";
export type EndProblem = "format" | "before_start" | "too_long";

/** An action starts at most this far ahead. */
export const MAX_AHEAD_DAYS = 366;
/** An action lasts at most this long. */
export const MAX_DURATION_HOURS = 72;
/**
 * A day without a year that passed this recently is a mistake (the organizer meant a past day), not next year's:
 * "01.12" typed on 2 December is refused, "05.01" typed on 20 December means next January.
 */
const RECENT_PAST_DAYS = 30;

const RELATIVE_DAYS: Record<string, number> = {
  бүгін: 0,
  сегодня: 0,
  ертең: 1,
  завтра: 1,
  бүрсігүні: 2,
  бүрсүгүні: 2,
  послезавтра: 2,
};

/** The local (Asia/Almaty) calendar date of a moment. */
export function localDate(at: Date): { year: number; month: number; day: number } {
  const local = new Date(at.getTime() + ALMATY_OFFSET_MS);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

/** True when year-month-day is a real calendar day (31.02 is not). */
export function isRealDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

/** "10:00", "9:30", "10.00", "10" → minutes after midnight; undefined for anything else. */
export function parseTimeOfDay(text: string): number | undefined {
  const match = /^(\d{1,2})(?:[:.](\d{2}))?$/.exec(text.trim());
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2] ?? "0");
  if (hours > 23 || minutes > 59) return undefined;
  return hours * 60 + minutes;
}

const normalize = (text: string) => text.trim().toLowerCase().replace(/\s+/g, " ");

/** The start of an action from what the organizer typed; it must be in the future and within a year. */
export function parseStart(text: string, now: Date): { at: Date } | { error: StartProblem } {
  // "завтра в 10:00", "ертең сағат 10:00": the little words between the day and the time are dropped.
  const input = normalize(text).replace(/ (в|во|сағат|сағ\.?|at) (?=\d)/u, " ");
  const today = localDate(now);
  let date: { year: number; month: number; day: number; yearGiven: boolean } | undefined;
  let timeText: string;

  const relative = /^([\p{L}]+),? (.+)$/u.exec(input);
  const dated = /^(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2}|\d{4}))?,? (.+)$/.exec(input);
  if (relative && relative[1]! in RELATIVE_DAYS) {
    const shifted = new Date(Date.UTC(today.year, today.month - 1, today.day) + RELATIVE_DAYS[relative[1]!]! * DAY_MS);
    date = {
      year: shifted.getUTCFullYear(),
      month: shifted.getUTCMonth() + 1,
      day: shifted.getUTCDate(),
      yearGiven: true,
    };
    timeText = relative[2]!;
  } else if (dated) {
    const rawYear = dated[3];
    const year = rawYear === undefined ? today.year : rawYear.length === 2 ? 2000 + Number(rawYear) : Number(rawYear);
    date = { year, month: Number(dated[2]), day: Number(dated[1]), yearGiven: rawYear !== undefined };
    timeText = dated[4]!;
  } else if (input in RELATIVE_DAYS) {
    return { error: "format" }; // a day without a time
  } else if (/^\d{1,2}:\d{2}$/.test(input)) {
    // A time alone (with a colon: "05.12" is a day) is today's.
    date = { ...today, yearGiven: true };
    timeText = input;
  } else {
    return { error: "format" };
  }

  const minute = parseTimeOfDay(timeText);
  if (minute === undefined) return { error: "format" };
  if (!isRealDay(date.year, date.month, date.day)) return { error: "no_such_date" };

  let at = localMoment(date.year, date.month, date.day, minute);
  if (!date.yearGiven && at <= now) {
    const dayStart = localMoment(date.year, date.month, date.day, 0);
    const todayStart = localMoment(today.year, today.month, today.day, 0);
    const passedRecently = todayStart.getTime() - dayStart.getTime() <= RECENT_PAST_DAYS * DAY_MS;
    if (passedRecently) return { error: "past" };
    if (!isRealDay(date.year + 1, date.month, date.day)) return { error: "no_such_date" }; // 29.02
    at = localMoment(date.year + 1, date.month, date.day, minute);
  }
  if (at <= now) return { error: "past" };
  if (at.getTime() - now.getTime() > MAX_AHEAD_DAYS * DAY_MS) return { error: "too_far" };
  return { at };
}

/**
 * The end from what the organizer typed: a time of day on the start's day (`13:00`), a duration (`3 ч`, `3 сағ`,
 * `2,5 часа`, `90 мин`, `3h`), or a full date and time for actions over several days (`06.12 18:00`).
 */
export function parseEnd(text: string, start: Date): { at: Date } | { error: EndProblem } {
  const input = normalize(text);
  const duration = /^(\d{1,3}(?:[.,]\d{1,2})?) ?(ч|час|часа|часов|сағ|сағат|h|мин|минут|минуты|min|m)\.?$/u.exec(input);
  let at: Date | undefined;
  if (duration) {
    const value = Number(duration[1]!.replace(",", "."));
    const unit = duration[2]!;
    const minutes = /^(мин|минут|минуты|min|m)$/.test(unit) ? value : value * 60;
    at = new Date(start.getTime() + Math.round(minutes) * 60_000);
  } else {
    const minute = parseTimeOfDay(input);
    if (minute !== undefined) {
      const day = localDate(start);
      at = localMoment(day.year, day.month, day.day, minute);
    } else {
      const dated = /^(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2}|\d{4}))?,? (.+)$/.exec(input);
      if (!dated) return { error: "format" };
      const time = parseTimeOfDay(dated[4]!);
      const startDay = localDate(start);
      const rawYear = dated[3];
      let year =
        rawYear === undefined ? startDay.year : rawYear.length === 2 ? 2000 + Number(rawYear) : Number(rawYear);
      const month = Number(dated[2]);
      const day = Number(dated[1]);
      // Without a year, a day before the start's day is in the next year (an action over New Year).
      if (rawYear === undefined && (month < startDay.month || (month === startDay.month && day < startDay.day)))
        year += 1;
      if (time === undefined || !isRealDay(year, month, day)) return { error: "format" };
      at = localMoment(year, month, day, time);
    }
  }
  if (at <= start) return { error: "before_start" };
  if (at.getTime() - start.getTime() > MAX_DURATION_HOURS * 3_600_000) return { error: "too_long" };
  return { at };
}

/** Hours credited by default: the duration rounded to half an hour, at most 24. */
export function defaultHours(start: Date, end: Date): number {
  const hours = (end.getTime() - start.getTime()) / 3_600_000;
  return Math.min(24, Math.max(0.5, Math.round(hours * 2) / 2));
}

/** "3", "2,5", "2.5", "0" → hours credited (0–24, a step of 0.5); undefined for anything else. */
export function parseCreditedHours(text: string): number | undefined {
  const match = /^(\d{1,2})(?:[.,](\d{1,2}))?$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(`${match[1]}.${match[2] ?? "0"}`);
  if (value > 24 || Math.round(value * 2) !== value * 2) return undefined;
  return value;
}

export const MAX_CAPACITY = 100_000;

/** "25" → 25 (1–100,000 places); undefined for anything else. */
export function parseCapacity(text: string): number | undefined {
  const match = /^\d{1,6}$/.exec(text.trim().replace(/[\s\u00a0]/g, ""));
  if (!match) return undefined;
  const value = Number(match[0]);
  return value >= 1 && value <= MAX_CAPACITY ? value : undefined;
}

/** The next `count` local days from `now` (today first), as local dates: the day buttons of the start step. */
export function nextDays(now: Date, count: number): Array<{ year: number; month: number; day: number }> {
  const today = localDate(now);
  const base = Date.UTC(today.year, today.month - 1, today.day);
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(base + i * DAY_MS);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
  });
}

/** "20261205" → the local date, when it is a real day. */
export function parseDayKey(key: string): { year: number; month: number; day: number } | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(key);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return isRealDay(year, month, day) ? { year, month, day } : undefined;
}

export const dayKey = (d: { year: number; month: number; day: number }) =>
  `${d.year}${String(d.month).padStart(2, "0")}${String(d.day).padStart(2, "0")}`;
