import { Composer } from "grammy";
import { cbPattern } from "../callback-data";
import type { BotContext } from "../context";

/** Menu sections not built yet say so politely; installed after the features, so a built one takes precedence. */
const SECTIONS = ["hours"] as const;

export const placeholdersFeature = new Composer<BotContext>();

for (const section of SECTIONS) {
  placeholdersFeature.callbackQuery(cbPattern("m", section), (ctx) =>
    ctx.answerCallbackQuery({ text: ctx.t("menu.soon"), show_alert: true }),
  );
}
