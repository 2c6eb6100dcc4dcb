import { InlineKeyboard, Keyboard } from "grammy";
import { CATEGORIES, CATEGORY_ICONS, isCategory } from "../domain/categories";
import type { RegionDirectory } from "../domain/regions";
import type { Locale, Translate } from "../i18n";
import { cb } from "./callback-data";

export function languageKeyboard(t: Translate, deepLinkPayload?: string): InlineKeyboard {
  const fits = deepLinkPayload && Buffer.byteLength(`lang:kk:${deepLinkPayload}`) <= 64;
  const data = (locale: string) => (fits ? cb("lang", locale, deepLinkPayload) : cb("lang", locale));
  return new InlineKeyboard().text(t("language.kk"), data("kk")).text(t("language.ru"), data("ru"));
}

/** Two regions a row; the callback carries `<feature>:<action>[:<arg>…]:<code>`. */
export function regionKeyboard(
  regions: RegionDirectory,
  locale: Locale,
  feature: string,
  action: string,
  ...args: Array<string | number>
): InlineKeyboard {
  const kb = new InlineKeyboard();
  regions.all.forEach((region, i) => {
    kb.text(regions.name(region, locale), cb(feature, action, ...args, region.code));
    if (i % 2 === 1) kb.row();
  });
  return kb;
}

/** Multi-select of categories: a ✅ marks the chosen ones; the last row finishes. */
export function interestsKeyboard(
  t: Translate,
  selected: readonly string[],
  feature: string,
  doneLabel: string,
): InlineKeyboard {
  const kb = new InlineKeyboard();
  CATEGORIES.forEach((category, i) => {
    const mark = selected.includes(category) ? "✅ " : `${CATEGORY_ICONS[category]} `;
    kb.text(mark + t(`categories.${category}`), cb(feature, "i", category));
    if (i % 2 === 1) kb.row();
  });
  return kb.row().text(doneLabel, cb(feature, "idone"));
}

/** A category's name in the user's language; a value that is no category (old data) reads as "other". */
export function categoryName(t: Translate, category: string): string {
  return t(`categories.${isCategory(category) ? category : "other"}`);
}

export function categoryList(t: Translate, interests: readonly string[]): string {
  return interests.map((c) => categoryName(t, c)).join(", ");
}

export function locationRequestKeyboard(t: Translate, skipLabel: string): Keyboard {
  return new Keyboard().requestLocation(t("onboarding.location_share")).row().text(skipLabel).resized().oneTime();
}

export function mainMenuKeyboard(t: Translate): InlineKeyboard {
  return new InlineKeyboard()
    .text(t("menu.nearby"), cb("m", "nearby"))
    .text(t("menu.marathons"), cb("m", "marathons"))
    .row()
    .text(t("menu.my_actions"), cb("m", "mine"))
    .text(t("menu.hours"), cb("m", "hours"))
    .row()
    .text(t("menu.settings"), cb("m", "settings"))
    .text(t("menu.help"), cb("m", "help"));
}
