/**
 * The one edge check for text people type and the bot stores (names, organizations, notes, deed texts).
 *
 * - Control characters (C0 and C1, including NUL, which PostgreSQL refuses in text and jsonb) are removed;
 *   a multi-line text keeps its line breaks, a single-line one has every run of white space made one space.
 * - Bidirectional overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069) and the BOM are removed:
 *   they can turn the rest of a message around. Lone surrogates become U+FFFD.
 * - A text with nothing visible left (only white space, zero-width characters, direction marks) is refused.
 * - Lengths are counted in characters (code points), not UTF-16 units: an emoji is one character.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const LINE_BREAKS = /\r\n?|[\n\u2028\u2029\u0085]/g;
/** Characters that take no visible space: format characters (zero-width space, joiners, marks) and white space. */
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const INVISIBLE = /[\p{Cf}\p{Z}\s\u115f\u1160\u3164\uffa0\u2800]/gu;

export type TextProblem = "empty" | "too_long";

/** Characters (code points) in a text. */
export function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Cuts a text to at most `max` characters (never in the middle of a surrogate pair), with "…" when cut. */
export function clipChars(text: string, max: number): string {
  if (charLength(text) <= max) return text;
  return `${Array.from(text)
    .slice(0, Math.max(0, max - 1))
    .join("")}…`;
}

/** Removes what must never be stored; keeps line breaks when `multiline`. Never refuses. */
export function stripUnsafe(raw: string, multiline = false): string {
  const wellFormed = raw.replace(LONE_SURROGATES, "\ufffd");
  if (!multiline) return wellFormed.replace(CONTROLS, " ").replace(/\s+/gu, " ").trim();
  return wellFormed
    .replace(LINE_BREAKS, "\n")
    .replace(/\t/g, " ")
    .replace(CONTROLS, "")
    .split("\n")
    .map((line) => line.replace(/[^\S\n]+/gu, " ").trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** True when something visible is left once zero-width characters, direction marks and white space are gone. */
export function hasVisibleText(text: string): boolean {
  return text.replace(INVISIBLE, "").length > 0;
}

/** A typed text made safe to store, or why it cannot be: nothing visible, or longer than `max` characters. */
export function cleanText(
  raw: string | undefined | null,
  { max, multiline = false }: { max: number; multiline?: boolean },
): { text: string } | { error: TextProblem } {
  const text = stripUnsafe(raw ?? "", multiline);
  if (!hasVisibleText(text)) return { error: "empty" };
  if (charLength(text) > max) return { error: "too_long" };
  return { text };
}

/** A name from Telegram (first name, last name, username), or undefined when nothing visible is left. */
export function cleanName(raw: string | undefined | null, max = 64): string | undefined {
  const checked = cleanText(raw, { max: Number.MAX_SAFE_INTEGER });
  return "text" in checked ? clipChars(checked.text, max) : undefined;
}
