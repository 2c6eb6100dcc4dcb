import { Composer } from "grammy";
import { myActions } from "../../../domain/participation";
import { cbPattern } from "../../callback-data";
import type { BotContext } from "../../context";
import { showScreen } from "../../screen";
import { mineView } from "./views";

async function renderMine(ctx: BotContext) {
  return mineView(ctx, await myActions(ctx.deps.db, ctx.from!.id, ctx.locale));
}

// ----- handlers (for onboarded users; bot/features/actions/index.ts) ------------------------------

/** "My actions": /my and the menu button. */
export const mineHandlers = new Composer<BotContext>();

mineHandlers.command("my", async (ctx) => {
  const mine = await renderMine(ctx);
  await ctx.reply(mine.text, { reply_markup: mine.keyboard });
});
mineHandlers.callbackQuery(cbPattern("m", "mine"), async (ctx) => {
  await ctx.answerCallbackQuery();
  const mine = await renderMine(ctx);
  await showScreen(ctx, mine.text, mine.keyboard);
});
