import { conversations, createConversation } from "@grammyjs/conversations";
import { sequentialize } from "@grammyjs/runner";
import { Bot, type BotConfig, type BotError, GrammyError, HttpError } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { BotContext, BotDeps, InnerContext } from "./context";
import { databaseConversationStorage } from "./conversations/storage";
import { createOnboarding, ONBOARDING } from "./conversations/onboarding";
import { actionDeepLink, actionsConversations, actionsFeature } from "./features/actions";
import { hoursConversations, hoursFeature, verifyDeepLink } from "./features/hours";
import { marathonsConversations, marathonsFeature } from "./features/marathons";
import { remindersConversations, remindersFeature } from "./features/reminders";
import { cancelFeature } from "./features/cancel";
import { fallbackFeature } from "./features/fallback";
import { helpFeature } from "./features/help";
import { languageFeature } from "./features/language";
import { membershipFeature } from "./features/membership";
import { menuFeature } from "./features/menu";
import { settingsFeature } from "./features/settings";
import { startFeature } from "./features/start";
import { localeFromTelegram } from "../i18n";
import { directReplyLimits, pacedFetch } from "../delivery/reply-rate";
import { htmlByDefault } from "./html";
import { InflightUpdates } from "./inflight";
import { ignoreNotModified } from "./not-modified";
import { conversationUserAndLocale, SenderCache, userAndLocale } from "./middleware/user";

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

/** Logs the failure with the update id and tells the user, in their language, that something went wrong. */
async function apologize(deps: BotDeps, { ctx, error }: BotError<BotContext>): Promise<void> {
  const detail =
    error instanceof GrammyError
      ? { method: error.method, description: error.description }
      : error instanceof HttpError
        ? { http: String(error.error) }
        : { err: error };
  deps.logger.error({ updateId: ctx.update.update_id, userId: ctx.from?.id, ...detail }, "update failed");
  try {
    // ctx.t is missing when the failure came before the user was loaded (e.g. the database is down).
    const t = ctx.t ?? deps.i18n.t(localeFromTelegram(ctx.from?.language_code) ?? "kk");
    if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => {});
    if (ctx.chat) await ctx.api.sendMessage(ctx.chat.id, t("common.apology"));
  } catch (apologyError) {
    deps.logger.warn({ err: apologyError }, "could not apologize");
  }
}

export function createBot(deps: BotDeps, options: CreateBotOptions): EriktiBot {
  const config: BotConfig<BotContext> = { client: { apiRoot: options.apiRoot, fetch: pacedFetch } };
  if (options.botInfo) config.botInfo = options.botInfo;
  const bot = new Bot<BotContext>(options.token, config) as EriktiBot;
  bot.api.config.use(htmlByDefault, ignoreNotModified, ...directReplyLimits);

  const inflight = new InflightUpdates(options.onHandled);
  bot.inflight = inflight;
  bot.use(inflight.middleware);
  // Inside the in-flight count, so an update counts as handled only once its apology (if any) is sent.
  const app = bot.errorBoundary((error) => apologize(deps, error));
  app.use(sequentialize(chatKey));
  const senders = new SenderCache();
  app.use(userAndLocale(deps, senders) as never);
  app.use(membershipFeature);
  app.use(
    conversations<BotContext, InnerContext>({
      storage: { type: "key", adapter: databaseConversationStorage(deps.db), getStorageKey: chatKey },
      plugins: [
        // Each conversation context gets a fresh Api without the bot's transformers: install them again.
        (ctx, next) => {
          ctx.api.config.use(htmlByDefault, ignoreNotModified, ...directReplyLimits);
          return next();
        },
        conversationUserAndLocale(deps, senders),
      ],
    }),
  );
  const deepLinks = [actionDeepLink, verifyDeepLink];
  app.use(cancelFeature);
  app.use(createConversation(createOnboarding(deepLinks), ONBOARDING));
  app.use(...actionsConversations, ...marathonsConversations, ...hoursConversations, ...remindersConversations);

  app.use(startFeature(deepLinks));
  app.use(languageFeature);
  app.use(menuFeature);
  app.use(actionsFeature);
  app.use(marathonsFeature);
  app.use(hoursFeature);
  app.use(remindersFeature);
  app.use(settingsFeature);
  app.use(helpFeature);
  app.use(fallbackFeature);

  bot.catch((error) => apologize(deps, error));
  return bot;
}
