import "./composer-branch"; // first: see the file
import { conversations } from "@grammyjs/conversations";
import { sequentialize } from "@grammyjs/runner";
import { Bot, type BotConfig, type BotError, GrammyError, HttpError } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { BotContext, BotDeps, InnerContext } from "./context";
import { leaveOnOtherInput } from "./conversations/escape";
import { installConversations } from "./conversations/installed";
import { onboardingConversation } from "./conversations/onboarding";
import { versionsOf } from "./conversations/registry";
import { conversationKey, databaseConversationStorage } from "./conversations/storage";
import { actionDeepLink, actionsFeature } from "./features/actions";
import { authoringConversations, authoringFeature } from "./features/authoring";
import { broadcastConversations, broadcastsFeature } from "./features/broadcasts";
import { attendanceConversations, attendanceFeature, checkinDeepLink } from "./features/attendance";
import { emergencyConversations, emergencyFeature } from "./features/emergency";
import { hoursConversations, hoursFeature, verifyDeepLink } from "./features/hours";
import { marathonsConversations, marathonsFeature } from "./features/marathons";
import { remindersFeature } from "./features/reminders";
import { cancelFeature } from "./features/cancel";
import { channelLinkConversation, channelsFeature, chatMembershipFeature } from "./features/channels";
import {
  clubDeepLink,
  clubsConversations,
  clubsFeature,
  clubsTypedFeature,
  seniorButtonsFeature,
} from "./features/clubs";
import { fallbackFeature } from "./features/fallback";
import { announceSpec, appointSpec, coordinatorDeepLink, frontOfficeFeature } from "./features/front-office";
import { groupFeature } from "./features/groups";
import { helpFeature } from "./features/help";
import { languageFeature } from "./features/language";
import { membershipFeature } from "./features/membership";
import { menuFeature } from "./features/menu";
import { applySpec, inviteDeepLink, organizerFeature, rejectSpec } from "./features/organizer";
import { privacyFeature } from "./features/privacy";
import { settingsFeature } from "./features/settings";
import { startFeature } from "./features/start";
import { translatorFor } from "../i18n";
import { conversationReplyLimits, directJsonCalls, directReplyLimits, pacedFetch } from "../delivery/reply-rate";
import { htmlByDefault } from "./html";
import { InflightUpdates } from "./inflight";
import { ignoreNotModified } from "./not-modified";
import { updateLogger } from "./middleware/logger";
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

/** Logs the failure with the update id and tells the user, in their language, that something went wrong. */
async function apologize(deps: BotDeps, { ctx, error }: BotError<BotContext>): Promise<void> {
  const detail =
    error instanceof GrammyError
      ? { method: error.method, description: error.description }
      : error instanceof HttpError
        ? { http: String(error.error) }
        : { err: error };
  // ctx.logger carries the update id; it is missing only when the failure came before any middleware ran.
  const logger = ctx.logger ?? deps.logger.child({ updateId: ctx.update.update_id });
  logger.error({ userId: ctx.from?.id, ...detail }, "update failed");
  try {
    // ctx.t is missing when the failure came before the user was loaded (e.g. the database is down).
    const t = ctx.t ?? translatorFor(deps.i18n, ctx.from?.language_code);
    if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => {});
    // Only into a private chat: a group never gets an apology meant for one person.
    if (ctx.chat?.type === "private") await ctx.api.sendMessage(ctx.chat.id, t("common.apology"));
  } catch (apologyError) {
    logger.warn({ err: apologyError }, "could not apologize");
  }
}

export function createBot(deps: BotDeps, options: CreateBotOptions): EriktiBot {
  const config: BotConfig<BotContext> = { client: { apiRoot: options.apiRoot, fetch: pacedFetch } };
  if (options.botInfo) config.botInfo = options.botInfo;
  const bot = new Bot<BotContext>(options.token, config) as EriktiBot;
  // directJsonCalls first: it makes the request, beneath the transformers that shape or retry it.
  bot.api.config.use(
    directJsonCalls(options.token, config.client),
    htmlByDefault,
    ignoreNotModified,
    ...directReplyLimits,
  );

  const inflight = new InflightUpdates(options.onHandled);
  bot.inflight = inflight;
  bot.use(inflight.middleware);
  bot.use(updateLogger(deps.logger));
  // Inside the in-flight count, so an update counts as handled only once its apology (if any) is sent.
  const app = bot.errorBoundary((error) => apologize(deps, error));
  // Updates of one chat are handled in order; different chats run concurrently (the key of a conversation too).
  app.use(sequentialize(conversationKey));
  // Messages, button presses and membership changes only: edits, channel posts and the rest are ignored quietly.
  app.use((ctx, next) => (ctx.message || ctx.callbackQuery || ctx.myChatMember ? next() : undefined));
  app.use(chatMembershipFeature(deps));
  app.chatType(["group", "supergroup"]).use(groupFeature(deps));

  // Everything personal happens in private chats only.
  const personal = app.chatType("private");
  const senders = new SenderCache();
  personal.use(userAndLocale(deps, senders) as never);
  personal.on("callback_query", (ctx, next) =>
    // A button of a message Telegram no longer shows the bot (date 0): nothing to edit, nothing to trust.
    ctx.callbackQuery.message?.date === 0 ? ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") }) : next(),
  );
  personal.use(membershipFeature);
  const deepLinks = [
    actionDeepLink,
    verifyDeepLink,
    inviteDeepLink,
    checkinDeepLink,
    coordinatorDeepLink,
    clubDeepLink,
  ];
  const specs = [
    onboardingConversation(deepLinks),
    ...marathonsConversations,
    ...hoursConversations,
    ...broadcastConversations,
    applySpec,
    rejectSpec,
    ...authoringConversations,
    ...attendanceConversations,
    channelLinkConversation,
    ...emergencyConversations,
    appointSpec,
    announceSpec,
    ...clubsConversations,
  ];
  personal.use(
    conversations<BotContext, InnerContext>({
      storage: { type: "context", adapter: databaseConversationStorage(deps.db, versionsOf(specs)) },
      plugins: [
        // Each conversation context gets a fresh Api without the bot's transformers: install them again.
        (ctx, next) => {
          ctx.api.config.use(htmlByDefault, ignoreNotModified, ...conversationReplyLimits);
          return next();
        },
        updateLogger(deps.logger),
        conversationUserAndLocale(deps, senders),
      ],
    }),
  );
  // Senior mode's reply-keyboard buttons always do what they say, even inside a conversation (which they leave),
  // and its keyboard stays (also through /cancel).
  personal.use(seniorButtonsFeature);
  personal.use(cancelFeature);
  personal.use(leaveOnOtherInput(specs));
  personal.use(installConversations(specs));

  personal.use(startFeature(deepLinks));
  personal.use(languageFeature);
  personal.use(menuFeature);
  personal.use(actionsFeature);
  personal.use(marathonsFeature);
  personal.use(hoursFeature);
  personal.use(broadcastsFeature);
  personal.use(organizerFeature);
  personal.use(authoringFeature);
  personal.use(attendanceFeature);
  personal.use(channelsFeature);
  personal.use(frontOfficeFeature);
  personal.use(clubsFeature);
  personal.use(remindersFeature);
  personal.use(settingsFeature);
  personal.use(emergencyFeature);
  personal.use(privacyFeature);
  personal.use(helpFeature);
  // Typed answers ("приду", "жоқ") and club codes: outside conversations, before the fallback.
  personal.use(clubsTypedFeature);
  personal.use(fallbackFeature);

  // A press without a chat (a button of an inline message): the bot has none, so it is out of date.
  app.on("callback_query", (ctx) =>
    ctx.answerCallbackQuery({
      text: translatorFor(deps.i18n, ctx.from.language_code)("common.stale_button"),
    }),
  );

  bot.catch((error) => apologize(deps, error));
  return bot;
}
