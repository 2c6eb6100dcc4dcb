import { describe, expect, it } from "vitest";
import { ALMATY_OFFSET_MS, intlOffsetMs, localDateKey, localMinuteOfDay, localMoment } from "../../src/core/time";

describe("core/time: Asia/Almaty, UTC+5", () => {
  it("turns local dates and minutes into instants and back", () => {
    expect(localMoment(2026, 12, 9, 10 * 60).toISOString()).toBe("2026-12-09T05:00:00.000Z");
    expect(localMoment(2027, 1, 1, 0).toISOString()).toBe("2026-12-31T19:00:00.000Z");
    expect(localMinuteOfDay(new Date("2026-12-08T19:30:00Z"))).toBe(30); // 00:30 the next local day
    expect(localDateKey(new Date("2026-12-08T19:30:00Z"))).toBe("20261209");
    expect(localDateKey(new Date("2026-12-08T18:59:59Z"))).toBe("20261208");
  });

  it("agrees with Node's time-zone data (the start-up check compares the database too)", () => {
    for (const iso of ["2024-03-01T00:00:00Z", "2026-01-15T12:00:00Z", "2026-07-15T12:00:00Z"]) {
      expect(intlOffsetMs(new Date(iso)), iso).toBe(ALMATY_OFFSET_MS);
    }
  });
});
