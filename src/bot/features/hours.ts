import { Composer, type Middleware } from "grammy";
import type { BotContext } from "../context";

/** Placeholder: filled in by the hours work. */
export const hoursFeature = new Composer<BotContext>();
/** Conversations of this feature, created with createConversation(); installed after the conversations plugin. */
export const hoursConversations: Middleware<BotContext>[] = [];

export const verifyDeepLink: import("../deep-links").DeepLink = {
  prefix: "v",
  needsOnboarding: false,
  async open(ctx) {
    await ctx.reply(ctx.t("menu.soon"));
  },
};
