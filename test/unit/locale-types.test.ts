import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createI18n, LOCALES_DIR, type LocaleKey, type Translate } from "../../src/i18n";

/** Never called: `npm run typecheck` compiles it, and fails when a missing key would type-check. */
// biome-ignore lint/suspicious/noExportsInTest: exported only so that it is not an unused local
export function missingKeysFailTypeCheck(t: Translate): string[] {
  const known: LocaleKey = "menu.title";
  return [
    t(known),
    t("reminders.club_thanks", { date: "1", time: "2" }),
    // @ts-expect-error: no such key
    t("actions.typo"),
    // @ts-expect-error: no such namespace file
    t("nowhere.title"),
  ];
}

describe("typed locale keys", () => {
  it("src/i18n/resources.ts lists every file of locales/kk, so each one's keys are typed", () => {
    const listed = readFileSync(new URL("../../src/i18n/resources.ts", import.meta.url), "utf8");
    for (const file of readdirSync(join(LOCALES_DIR, "kk")).filter((f) => f.endsWith(".json"))) {
      const name = file.slice(0, -".json".length);
      expect(listed, `add locales/kk/${file} to src/i18n/resources.ts`).toContain(`"../../locales/kk/${file}"`);
      expect(listed, `add ${name} to LocaleResources`).toMatch(new RegExp(`^\\s+"?${name}"?: typeof `, "m"));
    }
  });

  it("the typed keys are the ones i18next finds at run time", async () => {
    const t = (await createI18n()).t("kk");
    const [title, thanks] = missingKeysFailTypeCheck(t);
    expect(title).not.toBe("menu.title");
    expect(thanks).not.toBe("reminders.club_thanks");
  });
});
