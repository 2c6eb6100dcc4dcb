import type { Context, NextFunction } from "grammy";
import type { Logger } from "pino";

/**
 * Gives every update its own child logger (`ctx.logger`) carrying the update id, so every line logged while handling
 * it, the apology of a failure included, can be found together. Installed on the bot and in the conversations' plugins
 * (their contexts are separate objects).
 */
export function updateLogger(logger: Logger) {
  return (ctx: Context & { logger?: Logger }, next: NextFunction) => {
    ctx.logger = logger.child({ updateId: ctx.update.update_id });
    return next();
  };
}
