import { Composer, InputFile } from "grammy";
import { type ActionCard, getActionCard } from "../../../domain/actions";
import { buildIcs } from "../../../domain/ics";
import { joinAction, lastLeave, leaveAction, standingIn, undoLeave } from "../../../domain/participation";
import { clipChars } from "../../../domain/text";
import { completeWithRegion, giveConsent, hasConsent, setPaused } from "../../../domain/users";
import { EXPENSIVE } from "../../middleware/rate-limit";
import { cb, cbPattern, parseId, parseSeq } from "../../callback-data";
import type { BotContext } from "../../context";
import { type DeepLink, deepLinkUrl } from "../../deep-links";
import { mainMenuKeyboard } from "../../keyboards";
import { requireProfile, telegramProfile } from "../../profile";
import { showScreen } from "../../screen";
import {
  cardView,
  leaveAskView,
  leftNotice,
  leftNoticeView,
  regionQuestionView,
  type Source,
  undoTakenView,
} from "./views";

/** The card as a new message (a deep link, a button under another message); no pin: the map is on demand. */
async function sendCard(ctx: BotContext, card: ActionCard, source: Source): Promise<void> {
  const standing = await standingIn(ctx.deps.db, card.id, ctx.from!.id);
  const view = cardView(ctx, card, standing, source);
  await ctx.reply(view.text, { reply_markup: view.keyboard, link_preview_options: { is_disabled: true } });
}

async function refreshCard(ctx: BotContext, id: number, source: Source): Promise<void> {
  const card = await getActionCard(ctx.deps.db, id, ctx.locale);
  if (!card) return;
  const view = cardView(ctx, card, await standingIn(ctx.deps.db, id, ctx.from!.id), source);
  await showScreen(ctx, view.text, view.keyboard);
}

// ----- handlers (for everyone, newcomers from a shared link too; bot/features/actions/index.ts) ----

/** An action's card: opening it, joining, leaving and the calendar file. */
export const cardHandlers = new Composer<BotContext>();

// Opening a card: from the list or "My actions" (with a source) or the button after onboarding (without).
cardHandlers.callbackQuery([cbPattern("a", "o", 1), cbPattern("a", "o", 2)], async (ctx) => {
  const source: Source = ctx.match[2] === "m" ? "m" : "n";
  const card = await getActionCard(ctx.deps.db, parseId(ctx.match[1]) ?? 0, ctx.locale);
  if (!card) return ctx.answerCallbackQuery({ text: ctx.t("actions.not_found"), show_alert: true });
  await ctx.answerCallbackQuery();
  // The list (or "My actions") becomes the card; "Back" turns it into the same page again.
  const view = cardView(ctx, card, await standingIn(ctx.deps.db, card.id, ctx.from.id), source);
  await showScreen(ctx, view.text, view.keyboard);
});

/** The map on demand: the venue pin, sent below the card (only actions with a real meeting point have one). */
cardHandlers.callbackQuery(cbPattern("a", "map", 1), async (ctx) => {
  const card = await getActionCard(ctx.deps.db, parseId(ctx.match[1]) ?? 0, ctx.locale);
  if (!card?.hasPin) return ctx.answerCallbackQuery({ text: ctx.t("actions.not_found"), show_alert: true });
  await ctx.answerCallbackQuery();
  await ctx.replyWithVenue(
    card.latitude,
    card.longitude,
    clipChars(card.title, 100),
    clipChars(card.address || card.title, 200),
  );
});

cardHandlers.callbackQuery(cbPattern("a", "j", 2), async (ctx) => {
  const id = parseId(ctx.match[1]);
  const source: Source = ctx.match[2] === "m" ? "m" : "n";
  if (id === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  await join(ctx, id, source);
});

/**
 * Joining, and what stands in its way as a question with the button that removes it: no consent (give it and
 * join, or "No, thanks" back to the card), no region (a newcomer from a shared link, or consent declined at
 * onboarding: pick it and join), paused participation (resume and join). The question replaces the card; the answer
 * brings the card back. A newcomer is asked nothing else: interests and location wait for the settings.
 */
async function join(ctx: BotContext, id: number, source: Source): Promise<void> {
  if (!hasConsent(ctx.user)) {
    await ctx.answerCallbackQuery();
    return showScreen(ctx, `${ctx.t("actions.consent_ask")}\n\n${ctx.t("onboarding.consent_text")}`, {
      inline_keyboard: [
        [{ text: ctx.t("actions.btn_consent_join"), callback_data: cb("a", "cj", id, source) }],
        [{ text: ctx.t("actions.btn_consent_no"), callback_data: cb("a", "nc", id, source) }],
      ],
    });
  }
  if (!ctx.user?.regionCode) {
    await ctx.answerCallbackQuery();
    const view = regionQuestionView(ctx, id, source);
    return showScreen(ctx, view.text, view.keyboard);
  }
  // Not reached by the card's own buttons (a region comes with onboarding or the question above): a safety net.
  if (!(await requireProfile(ctx, `a_${id}`))) return;
  if (ctx.user?.pausedAt) {
    await ctx.answerCallbackQuery();
    return showScreen(ctx, ctx.t("actions.paused_ask"), {
      inline_keyboard: [
        [{ text: ctx.t("actions.btn_resume_join"), callback_data: cb("a", "rj", id, source) }],
        [{ text: ctx.t("common.back"), callback_data: cb("a", "o", id, source) }],
      ],
    });
  }
  const result = await joinAction(ctx.deps.db, id, ctx.from!.id);
  if (result.status === "joined") await ctx.answerCallbackQuery({ text: ctx.t("actions.joined") });
  else if (result.status === "waitlisted") {
    await ctx.answerCallbackQuery({
      text: ctx.t("actions.waitlisted", { position: result.position }),
      show_alert: true,
    });
  } else await ctx.answerCallbackQuery({ text: ctx.t(`actions.refused_${result.reason}`), show_alert: true });
  await refreshCard(ctx, id, source);
}

cardHandlers.callbackQuery(cbPattern("a", "cj", 2), async (ctx) => {
  const id = parseId(ctx.match[1]);
  if (id === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  if (!hasConsent(ctx.user)) ctx.user = await giveConsent(ctx.deps.db, ctx.from.id, telegramProfile(ctx.from));
  await join(ctx, id, ctx.match[2] === "m" ? "m" : "n");
});

/** "No, thanks" to consent: nothing is stored, the card comes back with a polite line (not said after consent). */
cardHandlers.callbackQuery(cbPattern("a", "nc", 2), async (ctx) => {
  const id = parseId(ctx.match[1]);
  if (id === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  await ctx.answerCallbackQuery(hasConsent(ctx.user) ? undefined : { text: ctx.t("actions.consent_refused") });
  await refreshCard(ctx, id, ctx.match[2] === "m" ? "m" : "n");
});

/**
 * The region question of join(): sets the region of someone who consented and has none (a newcomer is onboarded by
 * it), then joins and shows the card. A press without consent (an old or forged button) is asked for consent again by
 * join(); a region chosen before stays as it is.
 */
cardHandlers.callbackQuery(cbPattern("a", "jr", 3), async (ctx) => {
  const id = parseId(ctx.match[1]);
  const region = ctx.deps.regions.get(ctx.match[3]);
  if (id === undefined || !region) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const newcomer = !ctx.user?.onboardedAt;
  if (hasConsent(ctx.user) && !ctx.user?.regionCode)
    ctx.user = await completeWithRegion(ctx.deps.db, ctx.from.id, region.code, ctx.locale);
  await join(ctx, id, ctx.match[2] === "m" ? "m" : "n");
  // Just onboarded: a word on where the rest is, and the menu (the card stays above).
  if (newcomer && ctx.user?.onboardedAt) {
    const welcome = ctx.t("actions.welcome_in", { region: ctx.deps.regions.name(region, ctx.locale) });
    await ctx.reply(`${welcome}\n\n${ctx.t("menu.title")}`, { reply_markup: mainMenuKeyboard(ctx.t) });
  }
});

cardHandlers.callbackQuery(cbPattern("a", "rj", 2), async (ctx) => {
  const id = parseId(ctx.match[1]);
  if (id === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  if (ctx.user?.pausedAt) {
    await setPaused(ctx.deps.db, ctx.from.id, false);
    ctx.user = { ...ctx.user, pausedAt: null };
  }
  await join(ctx, id, ctx.match[2] === "m" ? "m" : "n");
});

/** Leave: first a one-line question in place of the card ("Yes, leave" / "No", which brings the card back). */
cardHandlers.callbackQuery(cbPattern("a", "l", 2), async (ctx) => {
  const id = parseId(ctx.match[1]);
  const source: Source = ctx.match[2] === "m" ? "m" : "n";
  const card = id === undefined ? undefined : await getActionCard(ctx.deps.db, id, ctx.locale);
  if (!card) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const standing = await standingIn(ctx.deps.db, card.id, ctx.from.id);
  // An old card: not on the list any more, or the action began — the card as it is now says so.
  const refused = !standing ? "not_joined" : card.startsAt <= new Date() ? "started" : undefined;
  if (refused || !standing) {
    await ctx.answerCallbackQuery({ text: ctx.t(`actions.refused_${refused ?? "not_joined"}`), show_alert: true });
    return refreshCard(ctx, card.id, source);
  }
  await ctx.answerCallbackQuery();
  const view = leaveAskView(ctx, card, standing.status, source);
  await showScreen(ctx, view.text, view.keyboard);
});

/** "Yes, leave": the leave (a joined seat goes to the first on the waitlist at once), then the notice with Undo. */
cardHandlers.callbackQuery(cbPattern("a", "ly", 2), async (ctx) => {
  const id = parseId(ctx.match[1]);
  const source: Source = ctx.match[2] === "m" ? "m" : "n";
  const card = id === undefined ? undefined : await getActionCard(ctx.deps.db, id, ctx.locale);
  if (!card) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const result = await leaveAction(ctx.deps.db, card.id, ctx.from.id);
  // Pressed twice (or on an old question after leaving): the same notice again, with Undo while it still works.
  const left =
    result.status === "left"
      ? result
      : result.reason === "not_joined"
        ? await lastLeave(ctx.deps.db, card.id, ctx.from.id)
        : undefined;
  if (result.status === "refused" && !left) {
    await ctx.answerCallbackQuery({ text: ctx.t(`actions.refused_${result.reason}`), show_alert: true });
    return refreshCard(ctx, card.id, source);
  }
  await ctx.answerCallbackQuery();
  const view = leftNoticeView(ctx, leftNotice(card, left!), source);
  await showScreen(ctx, view.text, view.keyboard);
});

/**
 * Undo of a leave, for the presser's own participation only (the seq in the data names which leave; another user's
 * press finds nothing of theirs to undo). The domain decides under the action's lock whether the seat is still free.
 */
cardHandlers.callbackQuery(cbPattern("a", "u", 3), async (ctx) => {
  const id = parseId(ctx.match[1]);
  const seq = parseSeq(ctx.match[2]);
  const source: Source = ctx.match[3] === "m" ? "m" : "n";
  if (id === undefined || seq === undefined)
    return ctx.answerCallbackQuery({ text: ctx.t("actions.undo_stale"), show_alert: true });
  // Consent withdrawn (or no region) since the leave: the way Join goes (consent, region, then the card), as the
  // name the organizer would see is gone.
  if (!hasConsent(ctx.user) || !ctx.user?.regionCode) return join(ctx, id, source);
  const result = await undoLeave(ctx.deps.db, id, ctx.from.id, seq);
  if (result.status === "restored") {
    await ctx.answerCallbackQuery({
      text:
        result.standing.status === "joined"
          ? ctx.t("actions.undo_joined")
          : ctx.t("actions.undo_waitlisted", { position: result.standing.position }),
      show_alert: result.standing.status === "waitlisted",
    });
    return refreshCard(ctx, id, source);
  }
  if (result.reason === "taken") {
    const card = await getActionCard(ctx.deps.db, id, ctx.locale);
    if (card) {
      await ctx.answerCallbackQuery();
      const view = undoTakenView(ctx, card, source);
      return showScreen(ctx, view.text, view.keyboard);
    }
  }
  const text = {
    not_found: ctx.t("actions.refused_not_found"),
    cancelled: ctx.t("actions.refused_cancelled"),
    started: ctx.t("actions.undo_started"),
    paused: ctx.t("actions.refused_paused"),
    stale: ctx.t("actions.undo_stale"),
    taken: ctx.t("actions.refused_not_found"),
  }[result.reason];
  await ctx.answerCallbackQuery({ text, show_alert: true });
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

/** `t.me/<bot>?start=a_<id>`: the card at once, for newcomers too (in their language); Join asks what it needs. */
export const actionDeepLink: DeepLink = {
  prefix: "a",
  needsOnboarding: false,
  asksLanguage: true,
  async open(ctx, arg) {
    const card = await getActionCard(ctx.deps.db, parseId(arg) ?? 0, ctx.locale);
    if (card) await sendCard(ctx, card, "n");
    else await ctx.reply(ctx.t("actions.not_found"));
  },
  continueButton: (t, arg) => ({ text: t("actions.open_card"), data: cb("a", "o", arg) }),
};
