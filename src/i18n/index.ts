import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import i18next, { type ParseKeys, type TFunction } from "i18next";
import "./resources";
import { escapeHtml } from "../core/html";

export const LOCALES = ["kk", "ru"] as const;
export type Locale = (typeof LOCALES)[number];
export type Translate = TFunction;
/** Every key of the locale files ("menu.title"; plural forms without their suffix): a missing key fails `tsc`. */
export type LocaleKey = ParseKeys;

/**
 * t() for a key known only at run time (an outbox template stored in the database, a key read from a locale file),
 * which tsc cannot check: i18next returns the key itself when it is missing, so callers check for that.
 */
export function translateDynamic(t: Translate, key: string, params?: Record<string, unknown>): string {
  return (t as unknown as (key: string, params?: Record<string, unknown>) => string)(key, params);
}

export const LOCALES_DIR = fileURLToPath(new URL("../../locales", import.meta.url));

export function isLocale(value: unknown): value is Locale {
  return value === "kk" || value === "ru";
}

/** Telegram's language_code → our locale, or undefined when we must ask. */
export function localeFromTelegram(code: string | undefined): Locale | undefined {
  const base = code?.toLowerCase().split(/[-_]/)[0];
  return isLocale(base) ? base : undefined;
}

/** Texts for someone the bot has not loaded (a group member, a failure before the user was read): their Telegram language, else Kazakh. */
export function translatorFor(i18n: I18n, languageCode: string | undefined): Translate {
  return i18n.t(localeFromTelegram(languageCode) ?? "kk");
}

/** Reads locales/<lng>/<file>.json; each file becomes the top-level key named after it (t("menu.title")). */
export function readLocaleResources(dir = LOCALES_DIR): Record<Locale, Record<string, unknown>> {
  const resources = {} as Record<Locale, Record<string, unknown>>;
  for (const locale of LOCALES) {
    const bundle: Record<string, unknown> = {};
    for (const file of readdirSync(join(dir, locale))
      .filter((f) => f.endsWith(".json"))
      .sort()) {
      bundle[file.slice(0, -".json".length)] = JSON.parse(readFileSync(join(dir, locale, file), "utf8"));
    }
    resources[locale] = bundle;
  }
  return resources;
}

export interface I18n {
  t(locale: Locale): Translate;
}

/**
 * t() remembering what a key alone (no options: no interpolation, no plural) translates to. The same labels are
 * looked up for every screen (the main menu alone has a dozen), and each i18next lookup allocates several objects.
 */
function remembered(t: Translate): Translate {
  const lookup = t as unknown as (...args: unknown[]) => string;
  const texts = new Map<string, string>();
  return function translate(...args: unknown[]) {
    const [key] = args;
    if (args.length !== 1 || typeof key !== "string") return lookup(...args);
    let text = texts.get(key);
    if (text === undefined) {
      text = lookup(key);
      if (typeof text === "string" && texts.size < 10_000) texts.set(key, text);
    }
    return text;
  } as unknown as Translate;
}

export async function createI18n(): Promise<I18n> {
  const resources = readLocaleResources();
  const instance = i18next.createInstance();
  await instance.init({
    resources: Object.fromEntries(LOCALES.map((l) => [l, { translation: resources[l] }])),
    lng: "kk",
    fallbackLng: false,
    supportedLngs: [...LOCALES],
    initAsync: false,
    returnNull: false,
    // Values are escaped for Telegram HTML: user text can never inject markup.
    interpolation: { escapeValue: true, escape: escapeHtml },
  });
  const fixed = { kk: remembered(instance.getFixedT("kk")), ru: remembered(instance.getFixedT("ru")) } as Record<
    Locale,
    Translate
  >;
  return { t: (locale) => fixed[locale] };
}
