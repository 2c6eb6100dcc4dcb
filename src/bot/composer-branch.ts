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
  const whenTrue = flatComposer([trueMiddleware].flat()).middleware();
  const whenFalse = flatComposer([falseMiddleware].flat()).middleware();
  const chosen: MiddlewareFn<C> = (ctx, next) => {
    const matched = predicate(ctx);
    // Most predicates (filter queries, commands, callback data) answer at once: no promise to wait for then.
    if (typeof matched === "boolean") return (matched ? whenTrue : whenFalse)(ctx, next);
    return Promise.resolve(matched).then((yes) => (yes ? whenTrue : whenFalse)(ctx, next));
  };
  return this.use(chosen);
}

Composer.prototype.branch = branch as typeof Composer.prototype.branch;

const RESOLVED = Promise.resolve();
const chains = new WeakMap<Composer<Context>, MiddlewareFn<Context>[]>();

/** Runs `list` from `index` as grammY runs middleware: always a promise, a synchronous throw as a rejection. */
function runFrom<C extends Context>(
  list: MiddlewareFn<C>[],
  index: number,
  ctx: C,
  last: () => Promise<void>,
): Promise<void> {
  if (index === list.length) return last();
  let called = false;
  try {
    const result = list[index]!(ctx, () => {
      if (called) return Promise.reject(new Error("`next` already called before!"));
      called = true;
      return runFrom(list, index + 1, ctx, last);
    });
    // No new promise for a handler that finished at once (most filters pass by without waiting)
    return result instanceof Promise ? result : RESOLVED;
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * grammY's Composer.use nests every registration in two async closures (`concat`), so an update passing a few
 * hundred handlers (filters that do not match, one per conversation…) allocates several promises and closures per
 * handler: a quarter of all memory allocated per update in the updates benchmark. This keeps a composer's middleware
 * in a flat list run by index: the same order and semantics (`next` at most once, a promise from every `next` and
 * every handler, errors as rejections), one closure per handler passed and no new promise unless a handler awaits.
 * One difference: grammY lets the last middleware of a composer call `next` twice, this refuses it as for the others.
 */
function use<C extends Context>(this: Composer<C>, ...middleware: Middleware<C>[]): Composer<C> {
  const composer = flatComposer(middleware);
  let list = chains.get(this as unknown as Composer<Context>) as MiddlewareFn<C>[] | undefined;
  if (!list) {
    const initial = this.middleware();
    list = initial === passThrough ? [] : [initial];
    chains.set(this as unknown as Composer<Context>, list as unknown as MiddlewareFn<Context>[]);
    const chain = list;
    (this as unknown as { handler: MiddlewareFn<C> }).handler = (ctx, next) => runFrom(chain, 0, ctx, next);
  }
  list.push((ctx, next) => composer.middleware()(ctx, next));
  return composer;
}

/** A composer of several middleware in one flat list (grammY's constructor would nest them with `concat`). */
function flatComposer<C extends Context>(middleware: Middleware<C>[]): Composer<C> {
  if (middleware.length <= 1) return new Composer<C>(...middleware);
  const composer = new Composer<C>();
  for (const one of middleware) composer.use(one);
  return composer;
}

/** grammY's `filter` (behind `on`, `command`, `callbackQuery`…), with its middleware in a flat list. */
function filter<C extends Context>(
  this: Composer<C>,
  predicate: (ctx: C) => boolean | Promise<boolean>,
  ...middleware: Middleware<C>[]
): Composer<C> {
  const composer = flatComposer(middleware);
  this.branch(predicate, composer, passThrough);
  return composer;
}

const passThrough = new Composer().middleware();
Composer.prototype.use = use as typeof Composer.prototype.use;
Composer.prototype.filter = filter as typeof Composer.prototype.filter;
