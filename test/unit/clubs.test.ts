import { describe, expect, it } from "vitest";
import { isoDate, nextOccurrence, normalizeClubCode, occurrenceAt } from "../../src/domain/clubs";

describe("club codes", () => {
  it("accepts a typed code in any case, with spaces or a dash, and nothing else", () => {
    expect(normalizeClubCode(" k7h-a4c ")).toBe("K7HA4C");
    expect(normalizeClubCode("K7H A4C")).toBe("K7HA4C");
    for (const bad of ["K7HA4", "K7HA4CC", "K0HA4C", "KKKKKK", "777777", "привет", "B7HA4C"]) {
      expect(normalizeClubCode(bad)).toBeUndefined();
    }
  });
});

describe("meeting dates", () => {
  const wednesday10 = { weekday: 3, startMinute: 10 * 60 };
  const local = (iso: string) => new Date(`${iso}+05:00`);

  it("finds the next occurrence in Almaty time, a week on once it has begun", () => {
    expect(nextOccurrence(wednesday10, local("2026-12-08T23:30:00"))).toEqual(local("2026-12-09T10:00:00"));
    expect(nextOccurrence(wednesday10, local("2026-12-09T09:59:00"))).toEqual(local("2026-12-09T10:00:00"));
    expect(nextOccurrence(wednesday10, local("2026-12-09T10:00:00"))).toEqual(local("2026-12-16T10:00:00"));
    expect(nextOccurrence(wednesday10, local("2026-12-10T00:10:00"))).toEqual(local("2026-12-16T10:00:00"));
  });

  it("takes a date only on the meeting's weekday, and only a real date", () => {
    expect(occurrenceAt(wednesday10, "20261209")).toEqual(local("2026-12-09T10:00:00"));
    expect(occurrenceAt(wednesday10, "20261210")).toBeUndefined();
    expect(occurrenceAt(wednesday10, "20260230")).toBeUndefined();
    expect(isoDate("2026131")).toBeUndefined();
  });
});
