import type { MiddlewareFn } from "grammy";
import { findUser, touchSender, type User } from "../../domain/users";
import { localeFromTelegram } from "../../i18n";
import type { BotDeps, InnerContext } from "../context";
import { conversationKey } from "../conversations/storage";

/**
 * The users loaded by the outer middleware for the updates being handled, so conversations (which replay every
 * past update on each new one) take the user from memory instead of the database. Bounded; the oldest go first.
 */
export class SenderCache {
  private readonly users = new Map<number, User>();
  constructor(private readonly limit = 10_000) {}

  remember(user: User): void {
    this.users.delete(user.id);
    this.users.set(user.id, user);
    if (this.users.size > this.limit) this.users.delete(this.users.keys().next().value!);
  }

  get(id: number): User | undefined {
    return this.users.get(id);
  }
}

function applyLocale(ctx: InnerContext, deps: BotDeps, user: User | undefined): void {
  ctx.deps = deps;
  ctx.user = user;
  const stored = user?.language;
  const fromTelegram = localeFromTelegram(ctx.from?.language_code);
  ctx.locale = stored === "kk" || stored === "ru" ? stored : (fromTelegram ?? "kk");
  ctx.localeUnknown = !stored && !fromTelegram;
  ctx.t = deps.i18n.t(ctx.locale);
}

/**
 * Loads (or creates) the sender once per update and picks the locale. The same statement reads the chat's
 * conversation state, which the conversations' storage then takes from ctx.prefetchedConversation (storage.ts).
 */
export function userAndLocale(deps: BotDeps, cache: SenderCache): MiddlewareFn<InnerContext> {
  return async (ctx, next) => {
    const from = ctx.from;
    const key = conversationKey(ctx);
    let user: User | undefined;
    if (from && !from.is_bot && ctx.myChatMember) {
      // Blocking or unblocking the bot is not using it: no account is created for it (e.g. after /deleteme).
      user = await findUser(deps.db, from.id);
    } else if (from && !from.is_bot && key !== undefined) {
      const sender = await touchSender(deps.db, from.id, deps.adminIds.has(from.id), key);
      user = sender.user;
      if (sender.conversation !== undefined) ctx.prefetchedConversation = { key, row: sender.conversation };
    }
    if (user) cache.remember(user);
    applyLocale(ctx, deps, user);
    ctx.senders = cache;
    await next();
  };
}

/** The same inside conversations, from the cache the outer middleware just filled (the database only as a fallback). */
export function conversationUserAndLocale(deps: BotDeps, cache: SenderCache): MiddlewareFn<InnerContext> {
  return async (ctx, next) => {
    const id = ctx.from?.id;
    const user = id === undefined ? undefined : (cache.get(id) ?? (await findUser(deps.db, id)));
    applyLocale(ctx, deps, user);
    await next();
  };
}

/** Re-applies the locale after the user changes it within the same update. */
export function switchLocale(ctx: InnerContext, locale: "kk" | "ru"): void {
  ctx.locale = locale;
  ctx.localeUnknown = false;
  ctx.t = ctx.deps.i18n.t(locale);
  if (ctx.user) {
    ctx.user = { ...ctx.user, language: locale };
    ctx.senders?.remember(ctx.user); // a conversation entered in this same update must see the new language
  }
}
