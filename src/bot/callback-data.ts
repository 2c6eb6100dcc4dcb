/**
 * Callback data codec: "<feature>:<action>[:<arg>…]", ASCII only, at most 64 bytes (Telegram's limit).
 * Parsing never throws: anything unexpected is treated as a stale button by the caller.
 */
const PART = /^[A-Za-z0-9_.-]{1,56}$/;
export const MAX_CALLBACK_BYTES = 64;

export function cb(...parts: Array<string | number>): string {
  const data = parts.map(String).join(":");
  if (!parts.every((p) => PART.test(String(p))) || Buffer.byteLength(data) > MAX_CALLBACK_BYTES) {
    throw new Error(`callback data out of bounds: ${data}`);
  }
  return data;
}

/** Builds a matcher for `feature:action[:args]`; returns the args or undefined. */
export function parseCb(data: string | undefined, feature: string, action: string): string[] | undefined {
  if (!data || Buffer.byteLength(data) > MAX_CALLBACK_BYTES) return undefined;
  const parts = data.split(":");
  if (parts[0] !== feature || parts[1] !== action) return undefined;
  const args = parts.slice(2);
  return args.every((a) => PART.test(a)) ? args : undefined;
}

/** A RegExp for grammY's callbackQuery(): exactly `feature:action` with `argCount` arguments. */
export function cbPattern(feature: string, action: string, argCount = 0): RegExp {
  const arg = "([A-Za-z0-9_.-]{1,56})";
  return new RegExp(`^${feature}:${action}${`:${arg}`.repeat(argCount)}$`);
}

/** A row id from callback data (user input): a positive integer that fits PostgreSQL's integer, else undefined. */
export function parseId(raw: string | undefined): number | undefined {
  return raw && /^[1-9]\d{0,8}$/.test(raw) ? Number(raw) : undefined;
}

/** A bigserial number from callback data (a queue number): a positive safe integer, else undefined. */
export function parseSeq(raw: string | undefined): number | undefined {
  return raw && /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : undefined;
}
