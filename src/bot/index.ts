import { conversations, createConversation } from "@grammyjs/conversations";
import { sequentialize } from "@grammyjs/runner";
import { Bot, type BotConfig, GrammyError, HttpError } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { BotContext, BotDeps, InnerContext } from "./context";
import { databaseConversationStorage } from "./conversations/storage";
import { ONBOARDING, onboarding } from "./conversations/onboarding";
import { cancelFeature } from "./features/cancel";
import { fallbackFeature } from "./features/fallback";
import { helpFeature } from "./features/help";
import { languageFeature } from "./features/language";
import { membershipFeature } from "./features/membership";
import { menuFeature } from "./features/menu";
import { settingsFeature } from "./features/settings";
import { startFeature } from "./features/start";
import { htmlByDefault } from "./html";
import { InflightUpdates } from "./inflight";
import { userAndLocale } from "./middleware/user";

export interface CreateBotOptions {
  token: string;
  apiRoot?: string;
  /** Skips getMe at start (tests and benchmarks). */
  botInfo?: UserFromGetMe;
  /** Called after each update has been handled (or failed), with the time it took. */
  onHandled?: (updateId: number, ms: number) => void;
}

export type EriktiBot = Bot<BotContext> & { inflight: InflightUpdates };

/** Updates of one chat are handled in order; different chats run concurrently. */
export function chatKey(ctx: { chat?: { id: number }; from?: { id: number } }): string | undefined {
  return (ctx.chat?.id ?? ctx.from?.id)?.toString();
}

export function createBot(deps: BotDeps, options: CreateBotOptions): EriktiBot {
  const config: BotConfig<BotContext> = { client: options.apiRoot ? { apiRoot: options.apiRoot } : undefined };
  if (options.botInfo) config.botInfo = options.botInfo;
  const bot = new Bot<BotContext>(options.token, config) as EriktiBot;
  bot.api.config.use(htmlByDefault);

  const inflight = new InflightUpdates(options.onHandled);
  bot.inflight = inflight;
  bot.use(inflight.middleware);
  bot.use(sequentialize(chatKey));
  bot.use(userAndLocale(deps) as never);
  bot.use(membershipFeature);
  bot.use(
    conversations<BotContext, InnerContext>({
      storage: { type: "key", adapter: databaseConversationStorage(deps.db), getStorageKey: chatKey },
      plugins: [userAndLocale(deps)],
    }),
  );
  bot.use(cancelFeature);
  bot.use(createConversation(onboarding, ONBOARDING));

  bot.use(startFeature);
  bot.use(languageFeature);
  bot.use(menuFeature);
  bot.use(settingsFeature);
  bot.use(helpFeature);
  bot.use(fallbackFeature);

  bot.catch(async ({ ctx, error }) => {
    const detail =
      error instanceof GrammyError
        ? { method: error.method, description: error.description }
        : error instanceof HttpError
          ? { http: String(error.error) }
          : { err: error };
    deps.logger.error({ updateId: ctx.update.update_id, userId: ctx.from?.id, ...detail }, "update failed");
    try {
      const t = ctx.t ?? deps.i18n.t("kk");
      if (ctx.chat) await ctx.api.sendMessage(ctx.chat.id, t("common.apology"));
      if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => {});
    } catch (apologyError) {
      deps.logger.warn({ err: apologyError }, "could not apologize");
    }
  });
  return bot;
}
