import { Composer, type Context } from "grammy";
import { describe, expect, it } from "vitest";
import "../../src/bot/composer-branch";

type Ctx = Context & { log: string[] };
const ctx = () => ({ log: [] as string[] }) as unknown as Ctx;
const run = (composer: Composer<Ctx>, c: Ctx) =>
  Promise.resolve(composer.middleware()(c, async () => void c.log.push("end")));

describe("grammY's Composer with flat middleware lists (src/bot/composer-branch.ts)", () => {
  it("runs middleware in registration order, nested composers and later registrations included", async () => {
    const root = new Composer<Ctx>();
    root.use((c, next) => {
      c.log.push("a");
      return next();
    });
    const inner = root.use(async (c, next) => {
      c.log.push("b");
      await next();
      c.log.push("b after");
    });
    root.filter(
      () => true,
      (c, next) => {
        c.log.push("c");
        return next();
      },
      (c, next) => {
        c.log.push("d");
        return next();
      },
    );
    root.filter(
      () => false,
      (c) => void c.log.push("never"),
    );
    inner.use((c, next) => {
      c.log.push("b.1");
      return next();
    }); // added to a composer after it was installed
    const c = ctx();
    await run(root, c);
    expect(c.log).toEqual(["a", "b", "b.1", "c", "d", "end", "b after"]);
  });

  it("stops where a middleware does not call next", async () => {
    const root = new Composer<Ctx>();
    root.use((c) => void c.log.push("stop"));
    root.use((c) => void c.log.push("never"));
    const c = ctx();
    await run(root, c);
    expect(c.log).toEqual(["stop"]);
  });

  it("turns an error thrown synchronously downstream into a rejection of next(), and refuses a second next()", async () => {
    const root = new Composer<Ctx>();
    let caught: unknown;
    root.use((_c, next) =>
      next().catch((error: Error) => {
        caught = error.message;
      }),
    );
    root.use(() => {
      throw new Error("boom");
    });
    await run(root, ctx());
    expect(caught).toBe("boom");

    const twice = new Composer<Ctx>();
    twice.use(async (_c, next) => {
      await next();
      await next();
    });
    twice.use((_c, next) => next());
    await expect(run(twice, ctx())).rejects.toThrow("`next` already called before!");
  });

  it("gives a promise from every next() and every composer, whatever a middleware returns", async () => {
    const root = new Composer<Ctx>();
    const seen: unknown[] = [];
    root.use((_c, next) => next().then((value) => void seen.push(value)));
    root.use((() => false) as never); // a middleware returning a plain value
    const c = ctx();
    const result = root.middleware()(c, async () => {});
    expect(result).toBeInstanceOf(Promise);
    await result;
    expect(seen).toEqual([undefined]);

    const throwing = new Composer<Ctx>();
    throwing.use(() => {
      throw new Error("at once");
    });
    const rejected = throwing.middleware()(ctx(), async () => {});
    expect(rejected).toBeInstanceOf(Promise);
    await expect(rejected).rejects.toThrow("at once");
  });

  it("keeps errorBoundary and async predicates working", async () => {
    const root = new Composer<Ctx>();
    const errors: string[] = [];
    const bounded = root.errorBoundary((error) => void errors.push((error.error as Error).message));
    bounded.filter(
      async () => true,
      () => {
        throw new Error("inside");
      },
    );
    root.use((c) => void c.log.push("after boundary"));
    const c = ctx();
    await run(root, c);
    expect(errors).toEqual(["inside"]);
    expect(c.log).toEqual([]); // the boundary's handler did not call next
  });
});
