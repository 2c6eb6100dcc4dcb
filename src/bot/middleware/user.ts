import type { MiddlewareFn } from "grammy";
import { touchUser } from "../../domain/users";
import { localeFromTelegram } from "../../i18n";
import type { BotDeps, InnerContext } from "../context";

/** Loads (or creates) the sender and picks the locale; installed outside and inside conversations. */
export function userAndLocale(deps: BotDeps): MiddlewareFn<InnerContext> {
  return async (ctx, next) => {
    ctx.deps = deps;
    const from = ctx.from;
    ctx.user = from && !from.is_bot ? await touchUser(deps.db, from.id, deps.adminIds.has(from.id)) : undefined;
    const stored = ctx.user?.language;
    const fromTelegram = localeFromTelegram(from?.language_code);
    ctx.locale = stored === "kk" || stored === "ru" ? stored : (fromTelegram ?? "kk");
    ctx.localeUnknown = !stored && !fromTelegram;
    ctx.t = deps.i18n.t(ctx.locale);
    await next();
  };
}

/** Re-applies the locale after the user changes it within the same update. */
export function switchLocale(ctx: InnerContext, locale: "kk" | "ru"): void {
  ctx.locale = locale;
  ctx.localeUnknown = false;
  ctx.t = ctx.deps.i18n.t(locale);
  if (ctx.user) ctx.user = { ...ctx.user, language: locale };
}
