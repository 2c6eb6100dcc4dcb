import { describe, expect, it } from "vitest";
import { pick } from "../../src/domain/localized";

describe("content in two languages", () => {
  it("shows the reader's language when it exists, else the other one, else nothing", () => {
    expect(pick("Саябақты тазалау", "Уборка парка", "kk")).toBe("Саябақты тазалау");
    expect(pick("Саябақты тазалау", "Уборка парка", "ru")).toBe("Уборка парка");
    expect(pick(null, "Уборка парка", "kk")).toBe("Уборка парка");
    expect(pick("Саябақты тазалау", "", "ru")).toBe("Саябақты тазалау");
    expect(pick(null, undefined, "ru")).toBe("");
  });
});
