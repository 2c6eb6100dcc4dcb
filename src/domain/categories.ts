import { isOneOf } from "../core/one-of";

/** Directions of volunteering (PRODUCT.md); names live in locales under categories.<code>. */
export const CATEGORIES = [
  "ecology",
  "social",
  "health",
  "education",
  "culture",
  "emergency",
  "seniors",
  "animals",
  "sport",
  "other",
] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_ICONS: Record<Category, string> = {
  ecology: "🌳",
  social: "🤝",
  health: "🩺",
  education: "📚",
  culture: "🎭",
  emergency: "🚨",
  seniors: "👵",
  animals: "🐾",
  sport: "🏅",
  other: "✨",
};

export function isCategory(value: unknown): value is Category {
  return isOneOf(CATEGORIES, value);
}
