import { TIME_ZONE } from "../core/time";
import type { Locale } from "./index";

export { TIME_ZONE };
export const INTL_LOCALE: Record<Locale, string> = { kk: "kk-KZ", ru: "ru-RU" };

/** Hours (or any amount) with at most one decimal, in the user's locale: "2,5". */
export function formatHours(value: number, locale: Locale): string {
  return new Intl.NumberFormat(INTL_LOCALE[locale], { maximumFractionDigits: 1 }).format(value);
}

/** A date as people in Kazakhstan read it: Asia/Almaty, in the user's language. */
export function formatDate(date: Date, locale: Locale): string {
  return new Intl.DateTimeFormat(INTL_LOCALE[locale], { timeZone: TIME_ZONE, dateStyle: "long" }).format(date);
}

export function formatDateTime(date: Date, locale: Locale): string {
  return new Intl.DateTimeFormat(INTL_LOCALE[locale], {
    timeZone: TIME_ZONE,
    dateStyle: "medium",
    timeStyle: "short",
  }).format(date);
}

const TIME_FORMATS: Record<Locale, Intl.DateTimeFormat> = {
  kk: new Intl.DateTimeFormat(INTL_LOCALE.kk, { timeZone: TIME_ZONE, timeStyle: "short" }),
  ru: new Intl.DateTimeFormat(INTL_LOCALE.ru, { timeZone: TIME_ZONE, timeStyle: "short" }),
};

/** A local time of day (Asia/Almaty), e.g. 10:00. */
export function formatTime(date: Date, locale: Locale): string {
  return TIME_FORMATS[locale].format(date);
}
