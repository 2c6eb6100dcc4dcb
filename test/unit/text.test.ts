import { describe, expect, it } from "vitest";
import { charLength, cleanName, cleanText, clipChars, stripUnsafe } from "../../src/domain/text";

describe("text at the edge (domain/text.ts)", () => {
  it("removes NUL, other control characters and direction overrides", () => {
    expect(stripUnsafe("Фонд\u0000 \u202eДобро\u0007")).toBe("Фонд Добро");
    expect(stripUnsafe("a\u0000b")).toBe("a b");
    expect(stripUnsafe("строка\u0000\r\nвторая\t строка\u2066", true)).toBe("строка\nвторая строка");
    expect(stripUnsafe("\ud83d half")).toBe("\ufffd half"); // a lone surrogate never reaches the database
  });

  it("refuses text with nothing visible, counts characters, not UTF-16 units", () => {
    expect(cleanText("\u200b\u200d\u202e \u2060", { max: 10 })).toEqual({ error: "empty" });
    expect(cleanText("ㅤ", { max: 10 })).toEqual({ error: "empty" }); // the Hangul filler "blank name"
    expect(charLength("👍👍👍")).toBe(3);
    expect(cleanText("👍".repeat(120), { max: 120 })).toEqual({ text: "👍".repeat(120) });
    expect(cleanText("👍".repeat(121), { max: 120 })).toEqual({ error: "too_long" });
    expect(cleanText("  Жасыл   ел  ", { max: 120 })).toEqual({ text: "Жасыл ел" });
  });

  it("names: undefined when invisible, clipped in characters", () => {
    expect(cleanName("\u200b\u2063")).toBeUndefined();
    expect(cleanName(undefined)).toBeUndefined();
    expect(cleanName("Айжан\u0000")).toBe("Айжан");
    expect(clipChars("😀😀😀", 2)).toBe("😀…");
  });
});
