import { InlineKeyboard } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { OutboxButton } from "../../../db/outbox";
import type { Callout, Tally } from "../../../domain/callouts";
import { tallyContent } from "../../../domain/callouts";
import { EMERGENCY_SKILLS, type EmergencyProfile, type EmergencySkill } from "../../../domain/emergency";
import type { I18n, Locale, Translate } from "../../../i18n";
import { render } from "../../../delivery/render";
import { cb } from "../../callback-data";
import { renderOutboxButton } from "../../outbox-buttons";

/** "other" is spelled skill_misc in the locale files (a key ending in _other would read as a plural form). */
export const skillName = (t: Translate, skill: EmergencySkill) =>
  t(skill === "other" ? "callouts.skill_misc" : `callouts.skill_${skill}`);

export function skillList(t: Translate, skills: readonly string[], none: string): string {
  const known = EMERGENCY_SKILLS.filter((s) => skills.includes(s));
  return known.length ? known.map((s) => skillName(t, s)).join(", ") : none;
}

/** The "🚨 Emergency readiness" screen of the settings. */
export function readinessText(t: Translate, profile: EmergencyProfile | undefined): string {
  return t("callouts.profile_title", {
    skills: skillList(t, profile?.skills ?? [], t("callouts.not_set")),
    group: t(profile?.mobileGroup ? "callouts.yes" : "callouts.no"),
    status: t(profile?.pausedAt ? "callouts.status_paused" : "callouts.status_active"),
    phone: profile?.phone ?? t("callouts.phone_hidden"),
  });
}

export function readinessKeyboard(t: Translate, profile: EmergencyProfile | undefined): InlineKeyboard {
  return new InlineKeyboard()
    .text(t("callouts.btn_skills"), cb("em", "sk"))
    .row()
    .text(t(profile?.mobileGroup ? "callouts.btn_group_on" : "callouts.btn_group_off"), cb("em", "grp"))
    .row()
    .text(t(profile?.pausedAt ? "callouts.btn_resume" : "callouts.btn_pause"), cb("em", "pause"))
    .row()
    .text(
      t(profile?.phone ? "callouts.btn_phone_remove" : "callouts.btn_phone"),
      cb("em", profile?.phone ? "phdel" : "ph"),
    )
    .row()
    .text(t("common.back"), cb("m", "settings"));
}

/** Multi-select of skills: a ✅ marks the chosen ones; then the row(s) that finish. */
export function skillsKeyboard(
  t: Translate,
  chosen: readonly string[],
  feature: string,
  finish: Array<{ text: string; data: string }>,
): InlineKeyboard {
  const kb = new InlineKeyboard();
  EMERGENCY_SKILLS.forEach((skill, i) => {
    kb.text(`${chosen.includes(skill) ? "✅ " : ""}${skillName(t, skill)}`, cb(feature, "s", skill));
    if (i % 2 === 1) kb.row();
  });
  kb.row();
  for (const f of finish) kb.text(f.text, f.data).row();
  return kb;
}

export const phoneRequestMarkup = (t: Translate) => ({
  keyboard: [[{ text: t("callouts.phone_share"), request_contact: true }]],
  resize_keyboard: true,
  one_time_keyboard: true,
});

export const locationRequestMarkup = (t: Translate) => ({
  keyboard: [[{ text: t("onboarding.location_share"), request_location: true }]],
  resize_keyboard: true,
  one_time_keyboard: true,
});

/** The coordinator's tally message, as the outbox renders its edits (one template for both). */
export function tallyMessage(
  i18n: I18n,
  locale: Locale,
  callout: Callout,
  tally: Tally,
): { text: string; markup?: InlineKeyboardMarkup } {
  const content = tallyContent(callout, tally);
  const rendered = render(
    i18n,
    { ...content, locale, buttons: content.buttons as OutboxButton[][] },
    renderOutboxButton,
  );
  const params = rendered.params as { text: string; reply_markup?: InlineKeyboardMarkup };
  return { text: params.text, markup: params.reply_markup };
}
