import { Composer } from "grammy";
import type { BotContext } from "../../context";
import { cardHandlers } from "./card";
import { mineHandlers } from "./mine";
import { searchHandlers } from "./search";

export { actionDeepLink } from "./card";

/** Actions nearby, their cards and "My actions"; for onboarded users only. */
export const actionsFeature = new Composer<BotContext>();

const onboarded = actionsFeature.filter((ctx) => Boolean(ctx.user?.onboardedAt));
actionsFeature.command(["actions", "my"], (ctx) => ctx.reply(ctx.t("common.start_first")));

// In this order: the search's text handler passes on what is not one of its buttons (e.g. /my).
onboarded.use(searchHandlers, cardHandlers, mineHandlers);
