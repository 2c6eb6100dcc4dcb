import { updateBrowse } from "../../../domain/actions";
import { Composer } from "grammy";
import { isCategory } from "../../../domain/categories";
import { upcomingSeats } from "../../../domain/participation";
import { nextAlertMode, nextAlertRadius, setAlertMode, setAlertRadius } from "../../../domain/preferences";
import {
  clearLocation,
  findUser,
  giveConsent,
  hasConsent,
  isValidPoint,
  setInterests,
  setLanguage,
  setLocation,
  setPaused,
  setRegion,
  withdrawConsent,
} from "../../../domain/users";
import { CONSENT_BUTTON, giveConsentAndContinue, requireConsent } from "../../consent";
import { switchLocale } from "../../middleware/user";
import { cbPattern } from "../../callback-data";
import type { BotContext } from "../../context";
import { interestsKeyboard } from "../../keyboards";
import { telegramProfile } from "../../profile";
import { showScreen } from "../../screen";
import { seniorKeyboard } from "../clubs/views";
import { BOOK_NAME } from "../hours/name.conversation";
import {
  locationRequestMarkup,
  pausedSeatsView,
  settingsKeyboard,
  settingsRegionKeyboard,
  settingsText,
  consentGiveKeyboard,
  withdrawConfirmKeyboard,
} from "./views";

/** Re-reads the user so the screen shows what is stored, then edits the message in place (or sends one). */
async function showSettings(ctx: BotContext, mode: "edit" | "reply"): Promise<void> {
  const user = (await findUser(ctx.deps.db, ctx.from!.id))!;
  const text = settingsText(ctx, user);
  const keyboard = settingsKeyboard(ctx, user);
  if (mode === "reply") await ctx.reply(text, { reply_markup: keyboard });
  else await showScreen(ctx, text, keyboard);
}

export const settingsFeature = new Composer<BotContext>();

settingsFeature.command("settings", (ctx) => showSettings(ctx, "reply"));

/**
 * The language chosen from the settings: the same message shows the settings again, in the new language; in senior
 * mode one short line redraws the four big buttons in it too.
 */
settingsFeature.callbackQuery(/^s:lg:(kk|ru)$/, async (ctx) => {
  const locale = ctx.match[1] as "kk" | "ru";
  await setLanguage(ctx.deps.db, ctx.from.id, locale);
  switchLocale(ctx, locale);
  await ctx.answerCallbackQuery({ text: ctx.t("language.changed") });
  await showSettings(ctx, "edit");
  if (ctx.user?.seniorMode) await ctx.reply(ctx.t("clubs.senior_language"), { reply_markup: seniorKeyboard(ctx.t) });
});
settingsFeature.callbackQuery(cbPattern("m", "settings"), async (ctx) => {
  await ctx.answerCallbackQuery();
  await showSettings(ctx, "edit");
});

settingsFeature.callbackQuery(cbPattern("s", "region"), async (ctx) => {
  if (!(await requireConsent(ctx))) return;
  await ctx.answerCallbackQuery();
  await showScreen(ctx, ctx.t("settings.region_prompt"), settingsRegionKeyboard(ctx));
});

settingsFeature.callbackQuery(cbPattern("s", "r", 1), async (ctx) => {
  const region = ctx.deps.regions.get(ctx.match[1]);
  if (!region) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  if (!(await requireConsent(ctx))) return;
  await setRegion(ctx.deps.db, ctx.from.id, region.code);
  await ctx.answerCallbackQuery({ text: ctx.t("settings.saved") });
  await showSettings(ctx, "edit");
});

settingsFeature.callbackQuery(cbPattern("s", "int"), async (ctx) => {
  if (!(await requireConsent(ctx))) return;
  await ctx.answerCallbackQuery();
  await showScreen(
    ctx,
    ctx.t("settings.interests_prompt"),
    interestsKeyboard(ctx.t, ctx.user!.interests, "s", ctx.t("common.done")),
  );
});

settingsFeature.callbackQuery(cbPattern("s", "i", 1), async (ctx) => {
  const category = ctx.match[1];
  if (!isCategory(category)) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  if (!(await requireConsent(ctx))) return;
  const current = ctx.user!.interests;
  const next = current.includes(category) ? current.filter((c) => c !== category) : [...current, category];
  const saved = await setInterests(ctx.deps.db, ctx.from.id, next);
  await ctx.answerCallbackQuery({ text: ctx.t("onboarding.interests_count", { count: saved.interests.length }) });
  await ctx.editMessageReplyMarkup({
    reply_markup: interestsKeyboard(ctx.t, saved.interests, "s", ctx.t("common.done")),
  });
});

settingsFeature.callbackQuery(cbPattern("s", "idone"), async (ctx) => {
  await ctx.answerCallbackQuery({ text: ctx.t("settings.saved") });
  await showSettings(ctx, "edit");
});

settingsFeature.callbackQuery(cbPattern("s", "loc"), async (ctx) => {
  if (!(await requireConsent(ctx))) return;
  await ctx.answerCallbackQuery();
  // The next location is to be saved (not a search: bot/features/actions/search.ts asks about any other).
  await updateBrowse(ctx.deps.db, ctx.from.id, { awaitingLocation: "save" });
  await ctx.reply(ctx.t("settings.location_prompt"), { reply_markup: locationRequestMarkup(ctx.t) });
});

settingsFeature.callbackQuery(cbPattern("s", "locdel"), async (ctx) => {
  if (!(await requireConsent(ctx))) return;
  await clearLocation(ctx.deps.db, ctx.from.id);
  await ctx.answerCallbackQuery({ text: ctx.t("settings.location_removed") });
  await showSettings(ctx, "edit");
});

/** A location sent after settings asked for one updates the stored one (with consent). */
settingsFeature.on("message:location", async (ctx) => {
  const { latitude, longitude } = ctx.message.location;
  if (!hasConsent(ctx.user))
    return ctx.reply(ctx.t("settings.consent_required"), { reply_markup: { remove_keyboard: true } });
  if (!isValidPoint({ latitude, longitude })) return ctx.reply(ctx.t("settings.location_invalid"));
  await setLocation(ctx.deps.db, ctx.from.id, { latitude, longitude });
  await ctx.reply(ctx.t("settings.location_saved"), { reply_markup: { remove_keyboard: true } });
});

/** Pausing availability needs no consent: it only stops joining and action reminders. */
settingsFeature.callbackQuery(cbPattern("s", "name"), async (ctx) => {
  if (!(await requireConsent(ctx))) return;
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(BOOK_NAME);
});

settingsFeature.callbackQuery(cbPattern("s", "pause"), async (ctx) => {
  const paused = await setPaused(ctx.deps.db, ctx.from.id, !ctx.user?.pausedAt);
  await ctx.answerCallbackQuery({ text: ctx.t(paused ? "settings.paused" : "settings.resumed") });
  await showSettings(ctx, "edit");
  // Pausing keeps the seats already taken, without reminders: a likely no-show unless the person is told.
  const seats = paused ? await upcomingSeats(ctx.deps.db, ctx.from.id) : 0;
  if (seats > 0) {
    const view = pausedSeatsView(ctx.t, seats);
    await ctx.reply(view.text, { reply_markup: view.keyboard });
  }
});

settingsFeature.callbackQuery(CONSENT_BUTTON, giveConsentAndContinue);

/** Consent is given only after reading what it means (the onboarding text), and withdrawn after a confirmation. */
settingsFeature.callbackQuery(cbPattern("s", "consent"), async (ctx) => {
  await ctx.answerCallbackQuery();
  if (!hasConsent(ctx.user)) {
    return showScreen(ctx, ctx.t("onboarding.consent_text"), consentGiveKeyboard(ctx.t));
  }
  await showScreen(ctx, ctx.t("settings.consent_withdraw_confirm"), withdrawConfirmKeyboard(ctx.t));
});

settingsFeature.callbackQuery(cbPattern("s", "cg"), async (ctx) => {
  if (!hasConsent(ctx.user)) {
    await giveConsent(ctx.deps.db, ctx.from.id, telegramProfile(ctx.from));
    await ctx.answerCallbackQuery({ text: ctx.t("settings.consent_given") });
  } else await ctx.answerCallbackQuery();
  await showSettings(ctx, "edit");
});

settingsFeature.callbackQuery(cbPattern("s", "cw"), async (ctx) => {
  await withdrawConsent(ctx.deps.db, ctx.from.id, ctx.deps.adminIds);
  await ctx.answerCallbackQuery({ text: ctx.t("settings.consent_withdrawn") });
  await showSettings(ctx, "edit");
});

/** New matching actions: daily digest → at once → off → daily digest… (from the stored mode, not the button). */
settingsFeature.callbackQuery(cbPattern("s", "al"), async (ctx) => {
  if (!(await requireConsent(ctx))) return;
  const mode = await setAlertMode(ctx.deps.db, ctx.from.id, nextAlertMode(ctx.user!.alertMode));
  await ctx.answerCallbackQuery({ text: ctx.t("alerts.mode_saved", { mode: ctx.t(`alerts.mode_${mode}`) }) });
  await showSettings(ctx, "edit");
});

/** The alert radius (10 → 30 → 50 → 100 km), offered with a shared location. */
settingsFeature.callbackQuery(cbPattern("s", "rad"), async (ctx) => {
  if (!(await requireConsent(ctx))) return;
  const km = await setAlertRadius(ctx.deps.db, ctx.from.id, nextAlertRadius(ctx.user!.alertRadiusKm));
  await ctx.answerCallbackQuery({ text: ctx.t("alerts.radius_saved", { km }) });
  await showSettings(ctx, "edit");
});
