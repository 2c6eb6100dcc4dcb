/** A type guard for "one of these string literals" (categories, periods…), for values that come from users. */
export function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === "string" && (list as readonly string[]).includes(value);
}
