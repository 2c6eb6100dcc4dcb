import { Composer, InputFile } from "grammy";
import { type ActionCard, getActionCard } from "../../../domain/actions";
import { buildIcs } from "../../../domain/ics";
import { joinAction, leaveAction, standingIn } from "../../../domain/participation";
import { clipChars } from "../../../domain/text";
import { hasConsent } from "../../../domain/users";
import { EXPENSIVE } from "../../middleware/rate-limit";
import { cb, cbPattern, parseId } from "../../callback-data";
import type { BotContext } from "../../context";
import { type DeepLink, deepLinkUrl } from "../../deep-links";
import { requireProfile } from "../../profile";
import { showScreen } from "../../screen";
import { cardView, type Source } from "./views";

/** Sends the action's pin and then its card (so the card with its buttons is the last message). */
async function sendCard(ctx: BotContext, card: ActionCard, source: Source): Promise<void> {
  const standing = await standingIn(ctx.deps.db, card.id, ctx.from!.id);
  if (card.address)
    await ctx.replyWithVenue(card.latitude, card.longitude, clipChars(card.title, 100), clipChars(card.address, 200));
  else await ctx.replyWithLocation(card.latitude, card.longitude);
  const view = cardView(ctx, card, standing, source);
  await ctx.reply(view.text, { reply_markup: view.keyboard, link_preview_options: { is_disabled: true } });
}

async function refreshCard(ctx: BotContext, id: number, source: Source): Promise<void> {
  const card = await getActionCard(ctx.deps.db, id, ctx.locale);
  if (!card) return;
  const view = cardView(ctx, card, await standingIn(ctx.deps.db, id, ctx.from!.id), source);
  await showScreen(ctx, view.text, view.keyboard);
}

// ----- handlers (for onboarded users; bot/features/actions/index.ts) ------------------------------

/** An action's card: opening it, joining, leaving and the calendar file. */
export const cardHandlers = new Composer<BotContext>();

// Opening a card: from the list or "My actions" (with a source) or the button after onboarding (without).
cardHandlers.callbackQuery([cbPattern("a", "o", 1), cbPattern("a", "o", 2)], async (ctx) => {
  const source: Source = ctx.match[2] === "m" ? "m" : "n";
  const card = await getActionCard(ctx.deps.db, parseId(ctx.match[1]) ?? 0, ctx.locale);
  if (!card) return ctx.answerCallbackQuery({ text: ctx.t("actions.not_found"), show_alert: true });
  await ctx.answerCallbackQuery();
  await sendCard(ctx, card, source);
});

cardHandlers.callbackQuery(cbPattern("a", "j", 2), async (ctx) => {
  const id = parseId(ctx.match[1]);
  const source: Source = ctx.match[2] === "m" ? "m" : "n";
  if (id === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  if (!hasConsent(ctx.user))
    return ctx.answerCallbackQuery({ text: ctx.t("actions.consent_needed"), show_alert: true });
  if (!(await requireProfile(ctx))) return;
  const result = await joinAction(ctx.deps.db, id, ctx.from.id);
  if (result.status === "joined") await ctx.answerCallbackQuery({ text: ctx.t("actions.joined") });
  else if (result.status === "waitlisted") {
    await ctx.answerCallbackQuery({
      text: ctx.t("actions.waitlisted", { position: result.position }),
      show_alert: true,
    });
  } else await ctx.answerCallbackQuery({ text: ctx.t(`actions.refused_${result.reason}`), show_alert: true });
  await refreshCard(ctx, id, source);
});

cardHandlers.callbackQuery(cbPattern("a", "l", 2), async (ctx) => {
  const id = parseId(ctx.match[1]);
  const source: Source = ctx.match[2] === "m" ? "m" : "n";
  if (id === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const result = await leaveAction(ctx.deps.db, id, ctx.from.id);
  if (result.status === "left") {
    await ctx.answerCallbackQuery({
      text: ctx.t(result.from === "waitlisted" ? "actions.left_waitlist" : "actions.left"),
    });
  } else await ctx.answerCallbackQuery({ text: ctx.t(`actions.refused_${result.reason}`), show_alert: true });
  await refreshCard(ctx, id, source);
});

cardHandlers.callbackQuery(cbPattern("a", "c", 1), async (ctx) => {
  const card = await getActionCard(ctx.deps.db, parseId(ctx.match[1]) ?? 0, ctx.locale);
  if (card?.status !== "published")
    return ctx.answerCallbackQuery({ text: ctx.t("actions.not_found"), show_alert: true });
  await EXPENSIVE.calendar(ctx, () => sendCalendarFile(ctx, card));
});

async function sendCalendarFile(ctx: BotContext, card: ActionCard): Promise<void> {
  await ctx.answerCallbackQuery();
  const ics = buildIcs({
    ...card,
    organizer: card.organizationName,
    url: deepLinkUrl(ctx.me.username, "a", card.id),
  });
  await ctx.replyWithDocument(new InputFile(Buffer.from(ics, "utf8"), `erikti-${card.id}.ics`), {
    caption: ctx.t("actions.ics_caption", { title: clipChars(card.title, 200) }),
  });
}

export const actionDeepLink: DeepLink = {
  prefix: "a",
  needsOnboarding: true,
  async open(ctx, arg) {
    const card = await getActionCard(ctx.deps.db, parseId(arg) ?? 0, ctx.locale);
    if (card) await sendCard(ctx, card, "n");
    else await ctx.reply(ctx.t("actions.not_found"));
  },
  continueButton: (t, arg) => ({ text: t("actions.open_card"), data: cb("a", "o", arg) }),
};
