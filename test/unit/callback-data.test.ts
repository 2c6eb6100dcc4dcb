import { describe, expect, it } from "vitest";
import { cb, cbPattern, parseCb, parseId, parseSeq } from "../../src/bot/callback-data";

describe("callback data codec", () => {
  it("round-trips and stays within 64 bytes", () => {
    const data = cb("s", "r", "north_kazakhstan");
    expect(data).toBe("s:r:north_kazakhstan");
    expect(parseCb(data, "s", "r")).toEqual(["north_kazakhstan"]);
    expect(cbPattern("s", "r", 1).exec(data)?.[1]).toBe("north_kazakhstan");
  });

  it("refuses to build data Telegram would reject", () => {
    expect(() => cb("a", "x".repeat(57))).toThrow();
    expect(() => cb("ab", "x".repeat(31), "y".repeat(31))).toThrow(); // 64 bytes exceeded
    expect(() => cb("a", "b", "ж")).toThrow();
    expect(() => cb("a", "b", "c:d")).toThrow();
  });

  it("treats tampered data as no match", () => {
    expect(parseCb("s:r:../../etc", "s", "r")).toBeUndefined();
    expect(parseCb("s:x:1", "s", "r")).toBeUndefined();
    expect(parseCb(undefined, "s", "r")).toBeUndefined();
    expect(cbPattern("s", "r", 1).test("s:r:1:2")).toBe(false);
  });

  it("accepts only ids PostgreSQL can look up", () => {
    expect(parseId("42")).toBe(42);
    expect(parseId("999999999")).toBe(999_999_999);
    for (const bad of ["0", "-1", "1.5", "99999999999", "abc", "", undefined, "01"])
      expect(parseId(bad), String(bad)).toBeUndefined();
  });

  it("accepts queue numbers (bigserial) only as safe integers", () => {
    expect(parseSeq("123456789012345")).toBe(123_456_789_012_345);
    for (const bad of ["0", "-1", "1e5", "1234567890123456", "abc", "", undefined, "01"])
      expect(parseSeq(bad), String(bad)).toBeUndefined();
    // The longest Undo button fits Telegram's 64 bytes.
    expect(Buffer.byteLength(cb("a", "u", 999_999_999, 999_999_999_999_999, "m"))).toBeLessThanOrEqual(64);
  });
});
