import { describe, expect, it } from "vitest";
import { createI18n, readLocaleResources, translateDynamic } from "../../src/i18n";
import { parseTelegramHtml } from "../support/fake-telegram";

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const resources = readLocaleResources();
const kk = flatten(resources.kk as Tree);
const ru = flatten(resources.ru as Tree);
const PLURAL = /_(zero|one|two|few|many|other)$/;
const base = (key: string) => key.replace(PLURAL, "");

describe("locales", () => {
  it("have the same keys in Kazakh and Russian (plural forms aside)", () => {
    const kkKeys = [...new Set([...kk.keys()].map(base))].sort();
    const ruKeys = [...new Set([...ru.keys()].map(base))].sort();
    expect(kkKeys).toEqual(ruKeys);
  });

  it("give every plural the forms its language needs", () => {
    const forms = (map: Map<string, string>, key: string) =>
      [...map.keys()]
        .filter((k) => base(k) === key && k !== key)
        .map((k) => k.slice(key.length + 1))
        .sort();
    for (const key of new Set([...ru.keys()].filter((k) => PLURAL.test(k)).map(base))) {
      expect(forms(ru, key), key).toEqual(["few", "many", "one", "other"]);
      expect(forms(kk, key), key).toEqual(["one", "other"]);
    }
  });

  it("use the right Russian plural form", async () => {
    const t = (await createI18n()).t("ru");
    expect(t("onboarding.interests_count", { count: 1 })).toBe("Выбрано 1 направление");
    expect(t("onboarding.interests_count", { count: 3 })).toBe("Выбрано 3 направления");
    expect(t("onboarding.interests_count", { count: 5 })).toBe("Выбрано 5 направлений");
    expect(t("onboarding.interests_count", { count: 21 })).toBe("Выбрано 21 направление");
  });

  it("are valid Telegram HTML, and interpolated values cannot inject markup", async () => {
    const i18n = await createI18n();
    for (const [locale, map] of [
      ["kk", kk],
      ["ru", ru],
    ] as const) {
      const t = i18n.t(locale);
      for (const key of new Set([...map.keys()].map(base))) {
        const text = translateDynamic(t, key, {
          count: 2,
          name: '<b>Ayan & "Co"</b>',
          region: "<i>",
          list: "a&b",
          date: "1 > 0",
          language: "x",
          interests: "<",
          location: ">",
          consent: "&",
        });
        expect(() => parseTelegramHtml(text), `${locale}:${key}`).not.toThrow();
        expect(text.length, `${locale}:${key}`).toBeGreaterThan(0);
      }
    }
  });

  it("are real Kazakh, not copies of the Russian", () => {
    const same = [...kk.keys()].filter((k) => kk.get(k) === ru.get(k) && /[а-яё]{4,}/i.test(kk.get(k)!));
    // Only proper names may coincide: the Таза Қазақстан campaign and the name of each language in itself.
    expect(same).toEqual(["categories.ecology", "language.ru"]);
    const kazakhLetters = /[әғқңөұүһі]/i;
    const withKazakh = [...kk.values()].filter((v) => kazakhLetters.test(v)).length;
    expect(withKazakh / kk.size).toBeGreaterThan(0.6);
  });

  it("keep the rules of locales/README.md: one word per concept, no generic noun or suffix glued to a value", () => {
    // Words replaced by the terminology table (locales/README.md); they must not come back.
    const retired = {
      kk: [
        /Жақын акциялар/,
        /жаныңыздағы/i,
        /санат/i,
        /кідірт/i,
        /волонтерлік/i,
        /фотосурет/i,
        /Тоқтату:/,
        /Тоқтату үшін/,
        /кері қайтару/i,
        /ерікті сағаттар/i,
      ],
      ru: [
        /категори/i,
        /Прервать:/,
        /Чтобы прервать/,
        /ваше место: \{\{position/,
        /место \{\{position/,
        // A Russian date may end in "г.": no full stop right after it ("г..").
        /\{\{(date|from|to|issued)\}\}\./,
      ],
    };
    for (const [locale, map] of [
      ["kk", kk],
      ["ru", ru],
    ] as const) {
      for (const [key, text] of map) {
        for (const word of retired[locale]) expect(text, `${locale}:${key}`).not.toMatch(word);
        // A free-form name (a title, a club) is never quoted and followed by a noun: «{{title}}» акциясы.
        expect(text, `${locale}:${key}`).not.toMatch(/«\{\{(title|club|name|org|organization)\}\}»/);
        // No case suffix glued to a value ({{date}}-нан); the ordinal {{page}}-бет is the one exception.
        expect(text.replaceAll("{{page}}-бет", ""), `${locale}:${key}`).not.toMatch(/\}\}-?[а-яёәғқңөұүһі]/i);
      }
    }
  });
});
