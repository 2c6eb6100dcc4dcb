import { Composer } from "grammy";
import {
  hasRegionRanking,
  joinMarathon,
  leaderboard,
  leaveMarathon,
  listActiveMarathons,
  type MarathonView,
  openMarathon,
  regionRanking,
} from "../../../domain/marathons";
import { DomainError, hasConsent } from "../../../domain/users";
import { cbPattern } from "../../callback-data";
import { requireConsent } from "../../consent";
import type { BotContext } from "../../context";
import { requireProfile } from "../../profile";
import { showScreen } from "../../screen";
import { DEED } from "./deed.conversation";
import {
  backToCard,
  cardKeyboard,
  cardText,
  leaderboardText,
  leaveConfirmView,
  listView,
  progressKeyboard,
  progressText,
  refusalText,
  regionsText,
} from "./views";

export { marathonsConversations } from "./deed.conversation";

async function showList(ctx: BotContext): Promise<void> {
  const list = await listActiveMarathons(ctx.deps.db, ctx.user?.regionCode ?? null);
  const screen = listView(
    ctx.t,
    ctx.locale,
    list.map(({ marathon }) => marathon),
  );
  await showScreen(ctx, screen.text, screen.keyboard);
}

/** Loads the marathon of a pressed button, answering the press itself when the id is stale or not the user's. */
async function pressedMarathon(ctx: BotContext): Promise<MarathonView | undefined> {
  const view = await openMarathon(ctx.deps.db, Number(ctx.match?.[1]), ctx.from!.id);
  if (!view) await ctx.answerCallbackQuery({ text: ctx.t("marathons.unavailable") });
  return view;
}

export const marathonsFeature = new Composer<BotContext>();

marathonsFeature.command("marathons", (ctx) => showList(ctx));
marathonsFeature.callbackQuery([cbPattern("m", "marathons"), cbPattern("mr", "list")], async (ctx) => {
  await ctx.answerCallbackQuery();
  await showList(ctx);
});

marathonsFeature.callbackQuery(cbPattern("mr", "o", 1), async (ctx) => {
  const view = await pressedMarathon(ctx);
  if (!view) return;
  await ctx.answerCallbackQuery();
  await showScreen(ctx, cardText(ctx, view), cardKeyboard(ctx.t, view));
});

marathonsFeature.callbackQuery(cbPattern("mr", "j", 1), async (ctx) => {
  const view = await pressedMarathon(ctx);
  if (!view) return;
  if (hasConsent(ctx.user) && !(await requireProfile(ctx))) return;
  let joinedNow: boolean;
  try {
    joinedNow = await joinMarathon(ctx.deps.db, view.marathon.id, ctx.from.id);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return ctx.answerCallbackQuery({ text: refusalText(ctx.t, error), show_alert: true });
  }
  await ctx.answerCallbackQuery({ text: ctx.t(joinedNow ? "marathons.joined" : "marathons.already_joined") });
  const updated = (await openMarathon(ctx.deps.db, view.marathon.id, ctx.from.id)) ?? view;
  await showScreen(ctx, cardText(ctx, updated), cardKeyboard(ctx.t, updated));
});

marathonsFeature.callbackQuery(cbPattern("mr", "d", 1), async (ctx) => {
  const view = await pressedMarathon(ctx);
  if (!view) return;
  if (!(await requireConsent(ctx))) return;
  if (!view.joined) return ctx.answerCallbackQuery({ text: ctx.t("marathons.not_participant"), show_alert: true });
  if (!(await requireProfile(ctx))) return;
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(DEED, view.marathon.id);
});

marathonsFeature.callbackQuery(cbPattern("mr", "p", 1), async (ctx) => {
  const view = await pressedMarathon(ctx);
  if (!view) return;
  await ctx.answerCallbackQuery();
  await showScreen(ctx, progressText(ctx, view), progressKeyboard(ctx.t, view));
});

marathonsFeature.callbackQuery(cbPattern("mr", "l", 1), async (ctx) => {
  const view = await pressedMarathon(ctx);
  if (!view) return;
  await ctx.answerCallbackQuery();
  const board = await leaderboard(ctx.deps.db, view.marathon.id, ctx.from.id);
  await showScreen(ctx, leaderboardText(ctx, view, board), backToCard(ctx.t, view.marathon.id));
});

marathonsFeature.callbackQuery(cbPattern("mr", "r", 1), async (ctx) => {
  const view = await pressedMarathon(ctx);
  if (!view) return;
  // The button is not shown for a regional marathon; an old or forged one is answered, nothing else.
  if (!hasRegionRanking(view.marathon)) {
    return ctx.answerCallbackQuery({ text: ctx.t("marathons.regions_regional"), show_alert: true });
  }
  await ctx.answerCallbackQuery();
  const ranking = await regionRanking(ctx.deps.db, view.marathon.id);
  await showScreen(ctx, regionsText(ctx, view, ranking), backToCard(ctx.t, view.marathon.id));
});

// Leaving: a confirmation first; the deeds stay, the volunteer leaves the rankings and may rejoin.
marathonsFeature.callbackQuery(cbPattern("mr", "lv", 1), async (ctx) => {
  const view = await pressedMarathon(ctx);
  if (!view) return;
  if (!view.joined) return ctx.answerCallbackQuery({ text: ctx.t("marathons.not_joined") });
  await ctx.answerCallbackQuery();
  const screen = leaveConfirmView(ctx, view);
  await showScreen(ctx, screen.text, screen.keyboard);
});

marathonsFeature.callbackQuery(cbPattern("mr", "lx", 1), async (ctx) => {
  const view = await pressedMarathon(ctx);
  if (!view) return;
  const left = await leaveMarathon(ctx.deps.db, view.marathon.id, ctx.from.id);
  await ctx.answerCallbackQuery({ text: ctx.t(left ? "marathons.left" : "marathons.not_joined") });
  const updated = (await openMarathon(ctx.deps.db, view.marathon.id, ctx.from.id)) ?? view;
  await showScreen(ctx, cardText(ctx, updated), cardKeyboard(ctx.t, updated));
});
