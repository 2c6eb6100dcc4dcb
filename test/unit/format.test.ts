import { describe, expect, it } from "vitest";
import { render } from "../../src/delivery/render";
import { createI18n, type Locale } from "../../src/i18n";
import {
  formatDate,
  formatDateTime,
  formatDateTimeRange,
  formatFullDate,
  formatMonth,
  formatTime,
  formatWeekdayDate,
} from "../../src/i18n/format";

/** Monday 4 May 2026, 10:00 in Almaty (UTC+5). */
const NOW = new Date("2026-05-04T05:00:00Z");
const at = (iso: string) => new Date(iso);
const both = (f: (locale: Locale) => string) => ({ kk: f("kk"), ru: f("ru") });

describe("i18n/format: dates people read (Asia/Almaty, exact output)", () => {
  it("today, tomorrow, this year, another year", () => {
    expect(both((l) => formatDateTime(at("2026-05-04T13:00:00Z"), l, NOW))).toEqual({
      kk: "бүгін, 18:00",
      ru: "сегодня в 18:00",
    });
    expect(both((l) => formatDateTime(at("2026-05-05T04:30:00Z"), l, NOW))).toEqual({
      kk: "ертең, 09:30",
      ru: "завтра в 09:30",
    });
    expect(both((l) => formatDateTime(at("2026-05-06T04:30:00Z"), l, NOW))).toEqual({
      kk: "6 мамыр, сәрсенбі, 09:30",
      ru: "ср, 6 мая в 09:30",
    });
    expect(both((l) => formatDateTime(at("2026-05-05T04:30:00Z"), l, at("2026-05-02T05:00:00Z")))).toEqual({
      kk: "5 мамыр, сейсенбі, 09:30",
      ru: "вт, 5 мая в 09:30",
    });
    expect(both((l) => formatDateTime(at("2027-05-05T04:30:00Z"), l, NOW))).toEqual({
      kk: "2027 ж. 5 мамыр, сәрсенбі, 09:30",
      ru: "5 мая 2027, ср, 09:30",
    });
    // text read later by someone else (a shared link) never says "today"
    expect(both((l) => formatDateTime(at("2026-05-04T13:00:00Z"), l, NOW, { relative: false }))).toEqual({
      kk: "4 мамыр, дүйсенбі, 18:00",
      ru: "пн, 4 мая в 18:00",
    });
    // a past day of this year (my past actions) reads the same way
    expect(both((l) => formatDateTime(at("2026-03-01T03:00:00Z"), l, NOW))).toEqual({
      kk: "1 наурыз, жексенбі, 08:00",
      ru: "вс, 1 марта в 08:00",
    });
  });

  it("midnight edges follow Almaty's calendar, not UTC's", () => {
    expect(both((l) => formatDateTime(at("2026-05-04T18:59:00Z"), l, NOW))).toEqual({
      kk: "бүгін, 23:59",
      ru: "сегодня в 23:59",
    });
    expect(both((l) => formatDateTime(at("2026-05-04T19:00:00Z"), l, NOW))).toEqual({
      kk: "ертең, 00:00",
      ru: "завтра в 00:00",
    });
    expect(both((l) => formatDateTime(at("2026-05-05T19:00:00Z"), l, NOW))).toEqual({
      kk: "6 мамыр, сәрсенбі, 00:00",
      ru: "ср, 6 мая в 00:00",
    });
    // 00:30 on Tuesday in Almaty is still Monday in UTC: 01:00 the same night is "today"
    const afterMidnight = at("2026-05-04T19:30:00Z");
    expect(both((l) => formatDateTime(at("2026-05-04T20:00:00Z"), l, afterMidnight))).toEqual({
      kk: "бүгін, 01:00",
      ru: "сегодня в 01:00",
    });
    // New Year's Eve, 17:00 in Almaty: midnight is tomorrow, in the next year, without a year
    const newYearsEve = at("2026-12-31T12:00:00Z");
    expect(both((l) => formatDateTime(at("2026-12-31T19:00:00Z"), l, newYearsEve))).toEqual({
      kk: "ертең, 00:00",
      ru: "завтра в 00:00",
    });
    expect(both((l) => formatDateTime(at("2027-01-02T04:30:00Z"), l, newYearsEve))).toEqual({
      kk: "2027 ж. 2 қаңтар, сенбі, 09:30",
      ru: "2 января 2027, сб, 09:30",
    });
  });

  it("ranges: one day once, across days in full, an end at midnight is 24:00", () => {
    expect(both((l) => formatDateTimeRange(at("2026-05-04T13:00:00Z"), at("2026-05-04T15:00:00Z"), l, NOW))).toEqual({
      kk: "бүгін, 18:00–20:00",
      ru: "сегодня в 18:00–20:00",
    });
    expect(both((l) => formatDateTimeRange(at("2026-05-06T04:30:00Z"), at("2026-05-06T07:30:00Z"), l, NOW))).toEqual({
      kk: "6 мамыр, сәрсенбі, 09:30–12:30",
      ru: "ср, 6 мая в 09:30–12:30",
    });
    expect(both((l) => formatDateTimeRange(at("2026-05-04T17:00:00Z"), at("2026-05-04T19:00:00Z"), l, NOW))).toEqual({
      kk: "бүгін, 22:00–24:00",
      ru: "сегодня в 22:00–24:00",
    });
    expect(both((l) => formatDateTimeRange(at("2026-05-04T13:00:00Z"), at("2026-05-06T05:00:00Z"), l, NOW))).toEqual({
      kk: "бүгін, 18:00 – 6 мамыр, сәрсенбі, 10:00",
      ru: "сегодня в 18:00 – ср, 6 мая в 10:00",
    });
    expect(both((l) => formatDateTimeRange(at("2027-05-05T04:30:00Z"), at("2027-05-05T07:30:00Z"), l, NOW))).toEqual({
      kk: "2027 ж. 5 мамыр, сәрсенбі, 09:30–12:30",
      ru: "5 мая 2027, ср, 09:30–12:30",
    });
  });

  it("days inside sentences, documents, weekdays for clubs, months, times", () => {
    expect(both((l) => formatDate(at("2026-05-05T04:30:00Z"), l, NOW))).toEqual({ kk: "5 мамыр", ru: "5 мая" });
    expect(both((l) => formatDate(at("2026-05-04T19:00:00Z"), l, NOW))).toEqual({ kk: "5 мамыр", ru: "5 мая" });
    expect(both((l) => formatDate(at("2025-05-06T12:00:00Z"), l, NOW))).toEqual({
      kk: "2025 ж. 6 мамыр",
      ru: "6 мая 2025 г.",
    });
    expect(both((l) => formatFullDate(at("2026-12-01T20:00:00Z"), l))).toEqual({
      kk: "2026 ж. 2 желтоқсан",
      ru: "2 декабря 2026 г.",
    });
    expect(both((l) => formatWeekdayDate(at("2026-05-04T13:00:00Z"), l, NOW))).toEqual({
      kk: "бүгін, дүйсенбі",
      ru: "сегодня, понедельник",
    });
    expect(both((l) => formatWeekdayDate(at("2026-05-05T13:00:00Z"), l, NOW))).toEqual({
      kk: "ертең, сейсенбі",
      ru: "завтра, вторник",
    });
    expect(both((l) => formatWeekdayDate(at("2026-05-06T13:00:00Z"), l, NOW))).toEqual({
      kk: "6 мамыр, сәрсенбі",
      ru: "среда, 6 мая",
    });
    expect(both((l) => formatWeekdayDate(at("2027-05-05T13:00:00Z"), l, NOW))).toEqual({
      kk: "2027 ж. 5 мамыр, сәрсенбі",
      ru: "среда, 5 мая 2027 г.",
    });
    expect(both((l) => formatMonth("2026-03", l))).toEqual({ kk: "2026 ж. наурыз", ru: "Март 2026 г." });
    expect(formatTime(at("2026-05-04T04:05:00Z"))).toBe("09:05");
  });

  it("every month and weekday name", () => {
    const months = (l: Locale) =>
      Array.from({ length: 12 }, (_, m) => formatDate(new Date(Date.UTC(2026, m, 15, 12)), l, NOW)).join(" ");
    expect(months("kk")).toBe(
      "15 қаңтар 15 ақпан 15 наурыз 15 сәуір 15 мамыр 15 маусым 15 шілде 15 тамыз 15 қыркүйек 15 қазан 15 қараша 15 желтоқсан",
    );
    expect(months("ru")).toBe(
      "15 января 15 февраля 15 марта 15 апреля 15 мая 15 июня 15 июля 15 августа 15 сентября 15 октября 15 ноября 15 декабря",
    );
    const week = (l: Locale) =>
      Array.from({ length: 7 }, (_, d) => formatWeekdayDate(new Date(Date.UTC(2026, 5, 1 + d, 12)), l, NOW)).join(
        " | ",
      );
    expect(week("kk")).toBe(
      "1 маусым, дүйсенбі | 2 маусым, сейсенбі | 3 маусым, сәрсенбі | 4 маусым, бейсенбі | 5 маусым, жұма | 6 маусым, сенбі | 7 маусым, жексенбі",
    );
    expect(week("ru")).toBe(
      "понедельник, 1 июня | вторник, 2 июня | среда, 3 июня | четверг, 4 июня | пятница, 5 июня | суббота, 6 июня | воскресенье, 7 июня",
    );
  });

  it("outbox templates render dates when they are sent: reminders say tomorrow, clubs the weekday", async () => {
    const i18n = await createI18n();
    const text = (payload: Parameters<typeof render>[1]) => {
      const rendered = render(i18n, payload, undefined, NOW);
      return rendered.method === "sendMessage" ? rendered.params.text : "";
    };
    const when = { $datetime: "2026-05-05T04:30:00.000Z" };
    expect(
      text({ template: "reminders.action_24h", locale: "kk", params: { title: "T", when, address: "A" } }),
    ).toContain("Басталуы: ертең, 09:30\n");
    expect(
      text({ template: "reminders.action_24h", locale: "ru", params: { title: "T", when, address: "A" } }),
    ).toContain("Начало: завтра в 09:30\n");
    const club = (locale: Locale) =>
      text({
        template: "reminders.club_meeting",
        locale,
        params: {
          club: "К",
          date: { $day: "2026-05-04T13:00:00.000Z" },
          time: { $time: "2026-05-04T13:00:00.000Z" },
          place: "P",
        },
      });
    expect(club("kk")).toContain("📅 бүгін, дүйсенбі\n🕙 Сағат 18:00\n");
    expect(club("ru")).toContain("📅 сегодня, понедельник\n🕙 В 18:00\n");
  });
});
