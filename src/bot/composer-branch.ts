import { Composer, type Context, type Middleware, type MiddlewareFn } from "grammy";

type MaybeArray<T> = T | T[];

/**
 * grammY's Composer.branch, behind every filter (`on`, `command`, `callbackQuery`, `hears`, `chatType`, `filter`),
 * builds a new Composer from its middleware for every update that reaches it, matched or not. A "My hours" press
 * passes 41 filters: in the updates benchmark that was about a tenth of all memory allocated per update (garbage
 * collection is ≈ 20% of the CPU; the README's Performance section). This replacement builds both sides once, when
 * the filter is registered, and
 * behaves the same: the predicate may be async, and a Composer on either side is asked for its middleware on each
 * call, so handlers added to it later run too.
 *
 * Imported first by bot/index.ts, so it is in place before any feature module registers its handlers.
 */
function branch<C extends Context>(
  this: Composer<C>,
  predicate: (ctx: C) => boolean | Promise<boolean>,
  trueMiddleware: MaybeArray<Middleware<C>>,
  falseMiddleware: MaybeArray<Middleware<C>>,
): Composer<C> {
  const whenTrue = new Composer<C>(...[trueMiddleware].flat()).middleware();
  const whenFalse = new Composer<C>(...[falseMiddleware].flat()).middleware();
  const chosen: MiddlewareFn<C> = (ctx, next) => {
    const matched = predicate(ctx);
    // Most predicates (filter queries, commands, callback data) answer at once: no promise to wait for then.
    if (typeof matched === "boolean") return (matched ? whenTrue : whenFalse)(ctx, next);
    return Promise.resolve(matched).then((yes) => (yes ? whenTrue : whenFalse)(ctx, next));
  };
  return this.use(chosen);
}

Composer.prototype.branch = branch as typeof Composer.prototype.branch;
