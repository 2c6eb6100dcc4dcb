import { ALMATY_OFFSET_MS, DAY_MS, localMinuteOfDay, type QuietHours } from "../core/time";

export type { QuietHours };

export const DEFAULT_QUIET_HOURS: QuietHours = { startMinute: 22 * 60, endMinute: 8 * 60 };

export function inQuietHours(at: Date, quiet: QuietHours): boolean {
  const { startMinute: start, endMinute: end } = quiet;
  if (start === end) return false;
  const minute = localMinuteOfDay(at);
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** The next moment (after `at`) when the local clock shows the end minute. */
export function quietHoursEnd(at: Date, quiet: QuietHours): Date {
  const offset = ALMATY_OFFSET_MS;
  const local = at.getTime() + offset;
  let end = Math.floor(local / DAY_MS) * DAY_MS + quiet.endMinute * 60_000;
  if (end <= local) end += DAY_MS;
  return new Date(end - offset);
}
