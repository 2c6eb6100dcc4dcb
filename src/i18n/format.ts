import type { Locale } from "./index";

export const TIME_ZONE = "Asia/Almaty";
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
