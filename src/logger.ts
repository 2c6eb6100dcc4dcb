import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import pino, { type Logger } from "pino";

export type { Logger };

/** Structured logs: JSON to stderr, or to a file when the terminal is busy with the playground chat. */
export function createLogger(level: string, file?: string): Logger {
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    return pino({ level, base: undefined }, pino.destination({ dest: file, sync: true }));
  }
  return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: true }));
}
