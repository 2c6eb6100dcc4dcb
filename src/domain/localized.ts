import { type AnyColumn, type SQL, sql } from "drizzle-orm";
import type { Locale } from "../i18n";

/**
 * Content given in Kazakh, Russian or both (action titles, descriptions, addresses, organization names): the
 * reader's language when it exists, else the other one, else "".
 */
export function pick(kk: string | null | undefined, ru: string | null | undefined, locale: Locale): string {
  const [first, second] = locale === "kk" ? [kk, ru] : [ru, kk];
  return first || second || "";
}

/** The same choice made in SQL, for lists that select only what they show. */
export function pickSql(kk: AnyColumn | SQL, ru: AnyColumn | SQL, locale: Locale): SQL<string> {
  return locale === "kk"
    ? sql<string>`coalesce(nullif(${kk}, ''), nullif(${ru}, ''), '')`
    : sql<string>`coalesce(nullif(${ru}, ''), nullif(${kk}, ''), '')`;
}

/** Both languages of one text, as stored. */
export interface Bilingual {
  kk: string | null;
  ru: string | null;
}
