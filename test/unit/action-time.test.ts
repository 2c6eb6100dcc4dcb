import { describe, expect, it } from "vitest";
import {
  defaultHours,
  isRealDay,
  nextDays,
  parseCapacity,
  parseCreditedHours,
  parseEnd,
  parseStart,
  parseTimeOfDay,
} from "../../src/domain/action-time";

/** A local (Asia/Almaty, UTC+5) moment as an ISO string in UTC. */
const almaty = (iso: string) => new Date(`${iso}+05:00`);
const at = (result: { at: Date } | { error: string }) => ("at" in result ? result.at.toISOString() : result.error);

describe("parseStart", () => {
  const now = almaty("2026-12-02T09:30:00");

  it("reads a day and month with a time in this year", () => {
    expect(at(parseStart("05.12 10:00", now))).toBe(almaty("2026-12-05T10:00:00").toISOString());
    expect(at(parseStart("5.12 10:00", now))).toBe(almaty("2026-12-05T10:00:00").toISOString());
    expect(at(parseStart("05/12 9.30", now))).toBe(almaty("2026-12-05T09:30:00").toISOString());
    expect(at(parseStart("  05-12   10:00 ", now))).toBe(almaty("2026-12-05T10:00:00").toISOString());
  });

  it("reads a full date with a four- or two-digit year", () => {
    expect(at(parseStart("05.12.2026 10:00", now))).toBe(almaty("2026-12-05T10:00:00").toISOString());
    expect(at(parseStart("10.01.27 08:00", now))).toBe(almaty("2027-01-10T08:00:00").toISOString());
  });

  it("reads today, tomorrow and the day after in Kazakh and Russian", () => {
    expect(at(parseStart("ертең 10:00", now))).toBe(almaty("2026-12-03T10:00:00").toISOString());
    expect(at(parseStart("Завтра 10:00", now))).toBe(almaty("2026-12-03T10:00:00").toISOString());
    expect(at(parseStart("завтра в 10:00", now))).toBe(almaty("2026-12-03T10:00:00").toISOString());
    expect(at(parseStart("ертең сағат 10:00", now))).toBe(almaty("2026-12-03T10:00:00").toISOString());
    expect(at(parseStart("бүгін 18:30", now))).toBe(almaty("2026-12-02T18:30:00").toISOString());
    expect(at(parseStart("сегодня 18:30", now))).toBe(almaty("2026-12-02T18:30:00").toISOString());
    expect(at(parseStart("бүрсігүні 9:00", now))).toBe(almaty("2026-12-04T09:00:00").toISOString());
    expect(at(parseStart("послезавтра 9:00", now))).toBe(almaty("2026-12-04T09:00:00").toISOString());
  });

  it("reads a time alone as today, when it is still ahead", () => {
    expect(at(parseStart("18:00", now))).toBe(almaty("2026-12-02T18:00:00").toISOString());
    expect(at(parseStart("09:00", now))).toBe("past");
  });

  it("refuses days that do not exist", () => {
    expect(at(parseStart("31.02 10:00", now))).toBe("no_such_date");
    expect(at(parseStart("31.04.2027 10:00", now))).toBe("no_such_date");
    expect(at(parseStart("00.12 10:00", now))).toBe("no_such_date");
    expect(at(parseStart("12.13 10:00", now))).toBe("no_such_date");
    expect(at(parseStart("29.02.2027 10:00", now))).toBe("no_such_date");
    expect(at(parseStart("29.02.2028 10:00", now))).toBe("too_far");
  });

  it("refuses times that do not exist and what is no date at all", () => {
    expect(at(parseStart("05.12 25:00", now))).toBe("format");
    expect(at(parseStart("05.12 10:60", now))).toBe("format");
    expect(at(parseStart("05.12", now))).toBe("format");
    expect(at(parseStart("ертең", now))).toBe("format");
    expect(at(parseStart("next friday", now))).toBe("format");
    expect(at(parseStart("", now))).toBe("format");
    expect(at(parseStart("дүйсенбі 10:00", now))).toBe("format");
  });

  it("refuses past moments", () => {
    expect(at(parseStart("бүгін 08:00", now))).toBe("past");
    expect(at(parseStart("01.12 10:00", now))).toBe("past");
    expect(at(parseStart("02.12.2026 09:00", now))).toBe("past");
    expect(at(parseStart("05.12.2025 10:00", now))).toBe("past");
  });

  it("rolls a day without a year that passed long ago into the next year (December → January)", () => {
    const december = almaty("2026-12-20T12:00:00");
    expect(at(parseStart("05.01 10:00", december))).toBe(almaty("2027-01-05T10:00:00").toISOString());
    expect(at(parseStart("5.1 10:00", december))).toBe(almaty("2027-01-05T10:00:00").toISOString());
    // A few days ago is a mistake, not next year.
    expect(at(parseStart("15.12 10:00", december))).toBe("past");
    // An explicit year is taken as written.
    expect(at(parseStart("05.01.2026 10:00", december))).toBe("past");
  });

  it("refuses what is more than a year ahead", () => {
    expect(at(parseStart("05.12.2030 10:00", now))).toBe("too_far");
  });

  it("works across local midnight: 00:30 in Almaty is the previous day in UTC", () => {
    const lateEvening = almaty("2026-12-02T23:50:00");
    expect(at(parseStart("ертең 00:30", lateEvening))).toBe(almaty("2026-12-03T00:30:00").toISOString());
    expect(at(parseStart("бүгін 23:55", lateEvening))).toBe(almaty("2026-12-02T23:55:00").toISOString());
  });
});

describe("parseEnd", () => {
  const start = almaty("2026-12-05T10:00:00");
  it("reads a time on the start's day", () => {
    expect(at(parseEnd("13:00", start))).toBe(almaty("2026-12-05T13:00:00").toISOString());
    expect(at(parseEnd("9:00", start))).toBe("before_start");
    expect(at(parseEnd("10:00", start))).toBe("before_start");
  });
  it("reads durations in Kazakh, Russian and short forms", () => {
    expect(at(parseEnd("3 ч", start))).toBe(almaty("2026-12-05T13:00:00").toISOString());
    expect(at(parseEnd("3 сағ", start))).toBe(almaty("2026-12-05T13:00:00").toISOString());
    expect(at(parseEnd("3 сағат", start))).toBe(almaty("2026-12-05T13:00:00").toISOString());
    expect(at(parseEnd("2,5 часа", start))).toBe(almaty("2026-12-05T12:30:00").toISOString());
    expect(at(parseEnd("1.5h", start))).toBe(almaty("2026-12-05T11:30:00").toISOString());
    expect(at(parseEnd("90 мин", start))).toBe(almaty("2026-12-05T11:30:00").toISOString());
    expect(at(parseEnd("0 ч", start))).toBe("before_start");
    expect(at(parseEnd("100 ч", start))).toBe("too_long");
  });
  it("reads a later day for actions over several days, also over New Year", () => {
    expect(at(parseEnd("06.12 18:00", start))).toBe(almaty("2026-12-06T18:00:00").toISOString());
    const newYear = almaty("2026-12-31T20:00:00");
    expect(at(parseEnd("01.01 02:00", newYear))).toBe(almaty("2027-01-01T02:00:00").toISOString());
    expect(at(parseEnd("31.02 10:00", start))).toBe("format");
  });
  it("refuses anything else", () => {
    expect(at(parseEnd("after lunch", start))).toBe("format");
    expect(at(parseEnd("3 дня", start))).toBe("format");
  });
});

describe("numbers", () => {
  it("hours credited: 0–24 in steps of a half", () => {
    expect(parseCreditedHours("3")).toBe(3);
    expect(parseCreditedHours("2,5")).toBe(2.5);
    expect(parseCreditedHours("0")).toBe(0);
    expect(parseCreditedHours("24")).toBe(24);
    expect(parseCreditedHours("24,5")).toBeUndefined();
    expect(parseCreditedHours("2.3")).toBeUndefined();
    expect(parseCreditedHours("-1")).toBeUndefined();
    expect(parseCreditedHours("three")).toBeUndefined();
  });
  it("capacity: a whole number of places", () => {
    expect(parseCapacity("25")).toBe(25);
    expect(parseCapacity("1 000")).toBe(1000);
    expect(parseCapacity("0")).toBeUndefined();
    expect(parseCapacity("2.5")).toBeUndefined();
    expect(parseCapacity("many")).toBeUndefined();
    expect(parseCapacity("1000000")).toBeUndefined();
  });
  it("default hours: the duration rounded to a half, at most 24", () => {
    const start = almaty("2026-12-05T10:00:00");
    expect(defaultHours(start, almaty("2026-12-05T13:00:00"))).toBe(3);
    expect(defaultHours(start, almaty("2026-12-05T12:20:00"))).toBe(2.5);
    expect(defaultHours(start, almaty("2026-12-05T10:10:00"))).toBe(0.5);
    expect(defaultHours(start, almaty("2026-12-07T10:00:00"))).toBe(24);
  });
  it("times of day and calendar days", () => {
    expect(parseTimeOfDay("7")).toBe(420);
    expect(parseTimeOfDay("23:59")).toBe(1439);
    expect(parseTimeOfDay("24:00")).toBeUndefined();
    expect(isRealDay(2028, 2, 29)).toBe(true);
    expect(isRealDay(2027, 2, 29)).toBe(false);
    expect(nextDays(almaty("2026-12-31T23:00:00"), 2)).toEqual([
      { year: 2026, month: 12, day: 31 },
      { year: 2027, month: 1, day: 1 },
    ]);
  });
});
