/**
 * Asia/Almaty, the one time zone of the bot. Kazakhstan has been on UTC+5 all year since 2024-03-01 (no daylight
 * saving), so arithmetic uses the constant; Intl (with TIME_ZONE) is used only to format dates for people.
 */
export const TIME_ZONE = "Asia/Almaty";
export const ALMATY_OFFSET_MS = 5 * 3_600_000;
export const DAY_MS = 86_400_000;

/** A window of the local day in minutes after midnight (Asia/Almaty); equal start and end mean none at all. */
export interface QuietHours {
  startMinute: number;
  endMinute: number;
}

/** Minutes after local (Asia/Almaty) midnight at that moment. */
export function localMinuteOfDay(at: Date): number {
  const local = at.getTime() + ALMATY_OFFSET_MS;
  return Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / 60_000);
}

/** The moment a local (Asia/Almaty) calendar date and minute of the day denote. */
export function localMoment(year: number, month: number, day: number, minuteOfDay: number): Date {
  return new Date(Date.UTC(year, month - 1, day) + minuteOfDay * 60_000 - ALMATY_OFFSET_MS);
}

/** The local calendar date of a moment as YYYYMMDD (the form club reminders carry). */
export function localDateKey(at: Date): string {
  return new Date(at.getTime() + ALMATY_OFFSET_MS).toISOString().slice(0, 10).replaceAll("-", "");
}

/**
 * The offset Intl's time-zone data gives Asia/Almaty at a moment, in milliseconds. Only for the start-up self-check
 * that the constant still matches the tz database (a tz change would show up here, not silently).
 */
export function intlOffsetMs(at: Date): number {
  const name =
    new Intl.DateTimeFormat("en-US", { timeZone: TIME_ZONE, timeZoneName: "longOffset" })
      .formatToParts(at)
      .find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) * 60_000;
}
