import { onTestFinished } from "vitest";
import type { ApiCall, BotApiEmulator } from "./fake-telegram";

/** A rejection a test provokes on purpose: a part of Telegram's description, or a pattern for it. */
export type Rejection = string | RegExp;

export interface RejectionGuard {
  /**
   * Tolerates rejections whose description contains (or matches) `description` until the end of the current test,
   * for a test that provokes them on purpose. "message is not modified" is a rejection like any other.
   */
  allowRejected(description: Rejection): void;
  /** Throws when the fake Telegram rejected a call since the last check that no allowRejected covers. */
  check(): void;
  /** The allowed rejections seen since the last take() and those not checked yet; they count as checked afterwards. */
  take(): ApiCall[];
}

const matches = (call: ApiCall, pattern: Rejection) => {
  const description = call.error?.description ?? "";
  return typeof pattern === "string" ? description.includes(pattern) : pattern.test(description);
};

const guards = new WeakMap<BotApiEmulator, RejectionGuard>();

/**
 * Fails a test on any call the fake Bot API rejected (400, 403, 429…): checked whenever `check()` is called
 * (the harness does after every update) and at the end of every test in which the fake Telegram saw a call.
 * One guard per fake Telegram, so bots restarted on the same one share what was checked and allowed.
 */
export function guardRejections(emulator: BotApiEmulator): RejectionGuard {
  let guard = guards.get(emulator);
  if (!guard) guards.set(emulator, (guard = newGuard(emulator)));
  return guard;
}

function newGuard(emulator: BotApiEmulator): RejectionGuard {
  const checked = new WeakSet<ApiCall>();
  let allowed: Rejection[] = [];
  let armed = false;

  let tolerated: ApiCall[] = []; // allowed rejections, kept for take()

  const unchecked = () => emulator.failed().filter((c) => !checked.has(c));
  const check = () => {
    const fresh = unchecked();
    for (const c of fresh) checked.add(c);
    const bad = fresh.filter((c) => !allowed.some((pattern) => matches(c, pattern)));
    tolerated.push(...fresh.filter((c) => !bad.includes(c)));
    if (bad.length > 0) {
      const lines = bad.map(
        (c) =>
          `  #${c.seq} ${c.method} → ${c.error?.error_code} ${c.error?.description} ${JSON.stringify(c.params).slice(0, 200)}`,
      );
      throw new Error(
        `The fake Telegram rejected ${bad.length} call(s) (allow one on purpose with allowRejected(description)):\n${lines.join("\n")}\nLast calls:\n${emulator.describeCalls(10)}`,
      );
    }
  };
  // Arms the end-of-test check in the test that is running now (outside a test, e.g. in beforeAll, there is none).
  const arm = () => {
    if (armed) return;
    try {
      onTestFinished(() => {
        armed = false;
        try {
          check();
        } finally {
          allowed = [];
          tolerated = [];
        }
      });
      armed = true;
    } catch {
      /* not inside a test */
    }
  };
  emulator.on("call", arm);
  return {
    allowRejected(description) {
      arm();
      allowed.push(description);
    },
    check() {
      arm();
      check();
    },
    take() {
      const fresh = unchecked();
      for (const c of fresh) checked.add(c);
      const calls = [...tolerated, ...fresh];
      tolerated = [];
      return calls;
    },
  };
}
