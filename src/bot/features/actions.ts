import { Composer, type Middleware } from "grammy";
import type { BotContext } from "../context";

/** Placeholder: filled in by the actions work. */
export const actionsFeature = new Composer<BotContext>();
/** Conversations of this feature, created with createConversation(); installed after the conversations plugin. */
export const actionsConversations: Middleware<BotContext>[] = [];

export const actionDeepLink: import("../deep-links").DeepLink = {
  prefix: "a",
  needsOnboarding: true,
  async open(ctx) {
    await ctx.reply(ctx.t("menu.soon"));
  },
};
