import { InlineKeyboard } from "grammy";
import { hasConsent, type User } from "../../../domain/users";
import { formatDate } from "../../../i18n/format";
import type { Translate } from "../../../i18n";
import { cb } from "../../callback-data";
import type { BotContext } from "../../context";
import { categoryList, regionKeyboard } from "../../keyboards";

export function settingsText(ctx: BotContext, user: User): string {
  const { t, locale } = ctx;
  const region = ctx.deps.regions.get(user.regionCode);
  return t("settings.title", {
    language: t(`language.${locale}`),
    region: region ? ctx.deps.regions.name(region, locale) : t("settings.not_set"),
    interests: user.interests.length ? categoryList(t, user.interests) : t("settings.not_set"),
    location: user.locationAt ? t("settings.location_set") : t("settings.not_set"),
    consent: user.consentAt
      ? t("settings.consent_on", { date: formatDate(user.consentAt, locale) })
      : t("settings.consent_off"),
    alerts: alertsSummary(t, user),
    availability: user.pausedAt
      ? t("settings.availability_paused", { date: formatDate(user.pausedAt, locale) })
      : t("settings.availability_active"),
  });
}

export function settingsKeyboard(ctx: BotContext, user: User): InlineKeyboard {
  const { t } = ctx;
  const kb = new InlineKeyboard()
    .text(t("settings.btn_language"), cb("s", "lang"))
    .text(t("settings.btn_region"), cb("s", "region"))
    .row()
    .text(t("settings.btn_interests"), cb("s", "int"))
    .text(t("settings.btn_location"), cb("s", "loc"))
    .row();
  if (user.locationAt) kb.text(t("settings.btn_location_remove"), cb("s", "locdel")).row();
  kb.text(t("reminders.btn_settings"), cb("rem", "settings")).row();
  kb.text(t("alerts.btn_mode", { mode: t(`alerts.mode_${user.alertMode}`) }), cb("s", "al"));
  if (user.locationAt && user.alertMode !== "off")
    kb.text(t("alerts.btn_radius", { km: user.alertRadiusKm }), cb("s", "rad"));
  kb.row();
  kb.text(t("callouts.settings_button"), cb("em", "open")).row();
  if (hasConsent(user)) kb.text(t("settings.btn_full_name"), cb("s", "name")).row();
  kb.text(t(user.pausedAt ? "settings.btn_resume" : "settings.btn_pause"), cb("s", "pause")).row();
  kb.text(t("clubs.btn_senior", { state: t(user.seniorMode ? "clubs.on" : "clubs.off") }), cb("kl", "sm")).row();
  kb.text(t(hasConsent(user) ? "settings.btn_consent_withdraw" : "settings.btn_consent_give"), cb("s", "consent"));
  return kb.row().text(t("common.back"), cb("m", "home"));
}

/** How new matching actions arrive: at once / digest / off, and the radius when a location is shared. */
function alertsSummary(t: Translate, user: User): string {
  const mode = t(`alerts.mode_${user.alertMode}`);
  return user.locationAt && user.alertMode !== "off"
    ? `${mode}, ${t("alerts.radius", { km: user.alertRadiusKm })}`
    : mode;
}

/** The regions (✅ on the person's own), then back to settings. */
export function settingsRegionKeyboard(ctx: BotContext): InlineKeyboard {
  const keyboard = regionKeyboard(ctx.deps.regions, ctx.locale, "s", "r");
  const current = ctx.user?.regionCode && cb("s", "r", ctx.user.regionCode);
  for (const button of keyboard.inline_keyboard.flat()) {
    if (current && "callback_data" in button && button.callback_data === current) button.text = `✅ ${button.text}`;
  }
  return keyboard.row().text(ctx.t("common.back"), cb("m", "settings"));
}

/** One button that asks for the location (a reply keyboard that hides itself after the press). */
export function locationRequestMarkup(t: Translate) {
  return {
    keyboard: [[{ text: t("onboarding.location_share"), request_location: true }]],
    resize_keyboard: true,
    one_time_keyboard: true,
  };
}

/** Giving consent from the settings: the same text as in onboarding, then the same "I agree". */
export const consentGiveKeyboard = (t: Translate) =>
  new InlineKeyboard()
    .text(t("onboarding.consent_yes"), cb("s", "cg"))
    .row()
    .text(t("common.back"), cb("m", "settings"));

export const withdrawConfirmKeyboard = (t: Translate) =>
  new InlineKeyboard()
    .text(t("settings.btn_confirm_withdraw"), cb("s", "cw"))
    .row()
    .text(t("common.back"), cb("m", "settings"));

/** After pausing with seats still taken: how many, and the way to give them up. */
export function pausedSeatsView(t: Translate, seats: number) {
  return {
    text: t("settings.paused_still_joined", { count: seats }),
    keyboard: new InlineKeyboard().text(t("menu.my_actions"), cb("m", "mine")),
  };
}
