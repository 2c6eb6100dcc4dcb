import { Composer } from "grammy";
import { hoursSummary } from "../../../domain/hours";
import { bookPeriodWithHours, isBookPeriod } from "../../../domain/volunteer-book";
import { requireConsent } from "../../consent";
import { requireOnboarded, requireProfile } from "../../profile";
import { showScreen } from "../../screen";
import { cbPattern } from "../../callback-data";
import { EXPENSIVE } from "../../middleware/rate-limit";
import type { BotContext } from "../../context";
import { sendBookFor, showVerification, tellEmptyPeriod } from "./book";
import { HOURS_LOG } from "./log.conversation";
import { BOOK_NAME } from "./name.conversation";
import { hoursView, periodKeyboard } from "./views";

export { verifyDeepLink } from "./book";
export { HOURS_LOG, hoursConversations } from "./log.conversation";

async function hoursScreen(ctx: BotContext) {
  return hoursView(ctx.t, ctx.locale, await hoursSummary(ctx.deps.db, ctx.from!.id));
}

export const hoursFeature = new Composer<BotContext>();

hoursFeature.command("hours", async (ctx) => {
  if (!(await requireOnboarded(ctx))) return;
  const screen = await hoursScreen(ctx);
  await ctx.reply(screen.text, { reply_markup: screen.keyboard });
});

hoursFeature.callbackQuery(cbPattern("m", "hours"), async (ctx) => {
  if (!(await requireOnboarded(ctx))) return;
  await ctx.answerCallbackQuery();
  const screen = await hoursScreen(ctx);
  await showScreen(ctx, screen.text, screen.keyboard);
});

hoursFeature.callbackQuery(cbPattern("h", "log"), async (ctx) => {
  if (!(await requireOnboarded(ctx)) || !(await requireConsent(ctx)) || !(await requireProfile(ctx))) return;
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(HOURS_LOG);
});

hoursFeature.callbackQuery(cbPattern("h", "book"), async (ctx) => {
  if (!(await requireOnboarded(ctx)) || !(await requireConsent(ctx))) return;
  await ctx.answerCallbackQuery();
  await showScreen(ctx, ctx.t("hours.book_prompt"), periodKeyboard(ctx.t));
});

hoursFeature.callbackQuery(cbPattern("h", "bp", 1), async (ctx) => {
  const period = ctx.match[1];
  if (!isBookPeriod(period)) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  if (!(await requireOnboarded(ctx)) || !(await requireConsent(ctx))) return;
  if (!ctx.user?.fullName) {
    // The first book asks the full name as printed (unless the period is empty), then offers a button back.
    const { range, empty } = await bookPeriodWithHours(ctx.deps.db, ctx.from.id, period);
    if (empty) return tellEmptyPeriod(ctx, range);
    await ctx.answerCallbackQuery();
    await ctx.conversation.enter(BOOK_NAME, period);
    return;
  }
  // Limited after the cheap checks, so a stale or refused press never uses up the user's allowance.
  await EXPENSIVE.book(ctx, () => sendBookFor(ctx, period));
});

hoursFeature.command("verify", (ctx) => showVerification(ctx, ctx.match));
