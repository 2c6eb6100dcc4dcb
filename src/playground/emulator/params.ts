/** Reading Bot API parameters as Telegram does, and comparing what is stored. */
import { bad } from "./types";

export type Params = Record<string, unknown>;
export const isObj = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);
export const nowSec = () => Math.floor(Date.now() / 1000);

export function optStr(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw bad(`field "${name}" must be of type String`);
}

export function optNum(v: unknown, name: string, integer = true): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const num = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  if (!Number.isFinite(num) || (integer && !Number.isSafeInteger(num)))
    throw bad(`field "${name}" must be of type ${integer ? "Integer" : "Float"}`);
  return num;
}

export const flag = (v: unknown) => v === true || v === "true" || v === 1 || v === "1";

/** Drops undefined/null properties (as JSON would), so results and stored objects compare cleanly. */
export function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;
}

/** JSON with sorted keys, for "is it the same markup" comparisons. */
export function stableJson(v: unknown): string {
  return (
    JSON.stringify(v, (_k, val) =>
      isObj(val)
        ? Object.fromEntries(
            Object.entries(val)
              .filter(([, x]) => x != null)
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
          )
        : val,
    ) ?? "null"
  );
}
