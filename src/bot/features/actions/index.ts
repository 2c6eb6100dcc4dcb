import { Composer } from "grammy";
import type { BotContext } from "../../context";
import { cardHandlers } from "./card";
import { mineHandlers } from "./mine";
import { searchHandlers } from "./search";

export { actionDeepLink } from "./card";

/**
 * Actions nearby and "My actions", for onboarded users only; cards for everyone (a shared link reaches newcomers,
 * whose Join asks for consent and a region first: card.ts join()).
 */
export const actionsFeature = new Composer<BotContext>();

actionsFeature.use(cardHandlers); // buttons only, none of them the search's
const onboarded = actionsFeature.filter((ctx) => Boolean(ctx.user?.onboardedAt));
actionsFeature.command(["actions", "my"], (ctx) => ctx.reply(ctx.t("common.start_first")));

// In this order: the search's text handler passes on what is not one of its buttons (e.g. /my).
onboarded.use(searchHandlers, mineHandlers);
