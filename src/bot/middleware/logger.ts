import type { Context, NextFunction } from "grammy";
import type { Logger } from "pino";

/**
 * Gives every update its own child logger (`ctx.logger`) carrying the update id, so every line logged while handling
 * it, the apology of a failure included, can be found together. Installed on the bot and in the conversations' plugins
 * (their contexts are separate objects). The child is made on first use: most updates log nothing, and making one
 * serializes its bindings.
 */
export function updateLogger(logger: Logger) {
  return (ctx: Context & { logger?: Logger }, next: NextFunction) => {
    let child: Logger | undefined;
    Object.defineProperty(ctx, "logger", {
      configurable: true,
      enumerable: true,
      get: () => (child ??= logger.child({ updateId: ctx.update.update_id })),
      set: (value: Logger) => {
        child = value;
      },
    });
    return next();
  };
}
