import type { Transformer } from "grammy";

/**
 * Telegram answers 400 "message is not modified" to an edit that changes nothing (a double tap, a refresh of an
 * unchanged screen). It is harmless (TELEGRAM.md), so edits treat it as done instead of failing the update.
 */
export const ignoreNotModified: Transformer = async (prev, method, payload, signal) => {
  const result = await prev(method, payload, signal);
  if (!result.ok && method.startsWith("editMessage") && result.description.includes("message is not modified")) {
    return { ok: true, result: true as never };
  }
  return result;
};
