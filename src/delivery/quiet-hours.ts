import { DAY_MS } from "../domain/time";
import { TIME_ZONE } from "../i18n/format";

export interface QuietHours {
  /** Minutes after local midnight (Asia/Almaty); equal start and end mean no quiet hours. */
  startMinute: number;
  endMinute: number;
}

export const DEFAULT_QUIET_HOURS: QuietHours = { startMinute: 22 * 60, endMinute: 8 * 60 };

const offsetFormat = new Intl.DateTimeFormat("en-US", { timeZone: TIME_ZONE, timeZoneName: "longOffset" });

/** The zone's offset from UTC at that moment, in milliseconds (Asia/Almaty: +5 h since 2024-03-01). */
function zoneOffsetMs(at: Date): number {
  const name = offsetFormat.formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) * 60_000;
}

export function localMinuteOfDay(at: Date): number {
  const local = at.getTime() + zoneOffsetMs(at);
  return Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / 60_000);
}

export function inQuietHours(at: Date, quiet: QuietHours): boolean {
  const { startMinute: start, endMinute: end } = quiet;
  if (start === end) return false;
  const minute = localMinuteOfDay(at);
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** The next moment (after `at`) when the local clock shows the end minute. */
export function quietHoursEnd(at: Date, quiet: QuietHours): Date {
  const offset = zoneOffsetMs(at);
  const local = at.getTime() + offset;
  let end = Math.floor(local / DAY_MS) * DAY_MS + quiet.endMinute * 60_000;
  if (end <= local) end += DAY_MS;
  return new Date(end - offset);
}

/** The moment a local (Asia/Almaty) calendar date and minute of the day denote. */
export function localMoment(year: number, month: number, day: number, minuteOfDay: number): Date {
  const naive = Date.UTC(year, month - 1, day) + minuteOfDay * 60_000;
  return new Date(naive - zoneOffsetMs(new Date(naive)));
}
