import { Composer } from "grammy";
import { staffOf } from "../../../domain/access";
import { answerCallout, calloutTally, launchesCallouts, manageableCallout } from "../../../domain/callouts";
import {
  findEmergencyProfile,
  isEmergencySkill,
  setEmergencyPaused,
  setEmergencyPhone,
  setMobileGroup,
  toggleEmergencySkill,
} from "../../../domain/emergency";
import { requireConsent } from "../../consent";
import { cb, cbPattern, parseId } from "../../callback-data";
import type { BotContext } from "../../context";
import { showScreen } from "../../screen";
import { CALLOUT, CALLOUT_CLOSE, CALLOUT_UPDATE, EMERGENCY_PHONE } from "./callout.conversation";
import { readinessKeyboard, readinessText, skillsKeyboard, tallyMessage } from "./views";

export { emergencyConversations } from "./callout.conversation";

export const emergencyFeature = new Composer<BotContext>();

// ----- the volunteer's side: "🚨 Emergency readiness" in the settings -----------------------------------------------

async function showReadiness(ctx: BotContext): Promise<void> {
  const profile = await findEmergencyProfile(ctx.deps.db, ctx.from!.id);
  await showScreen(ctx, readinessText(ctx.t, profile), readinessKeyboard(ctx.t, profile));
}

const skillsDone = (ctx: BotContext) => [{ text: ctx.t("common.done"), data: cb("em", "open") }];

emergencyFeature.callbackQuery(cbPattern("em", "open"), async (ctx) => {
  await ctx.answerCallbackQuery();
  await showReadiness(ctx);
});

emergencyFeature.callbackQuery(cbPattern("em", "sk"), async (ctx) => {
  if (!(await requireConsent(ctx))) return;
  await ctx.answerCallbackQuery();
  const profile = await findEmergencyProfile(ctx.deps.db, ctx.from.id);
  await showScreen(
    ctx,
    ctx.t("callouts.skills_prompt"),
    skillsKeyboard(ctx.t, profile?.skills ?? [], "em", skillsDone(ctx)),
  );
});

emergencyFeature.callbackQuery(cbPattern("em", "s", 1), async (ctx) => {
  const skill = ctx.match[1];
  if (!isEmergencySkill(skill)) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  if (!(await requireConsent(ctx))) return;
  const profile = await toggleEmergencySkill(ctx.deps.db, ctx.from.id, skill);
  await ctx.answerCallbackQuery({ text: ctx.t("callouts.saved") });
  await ctx.editMessageReplyMarkup({ reply_markup: skillsKeyboard(ctx.t, profile.skills, "em", skillsDone(ctx)) });
});

emergencyFeature.callbackQuery(cbPattern("em", "grp"), async (ctx) => {
  if (!(await requireConsent(ctx))) return;
  const profile = await findEmergencyProfile(ctx.deps.db, ctx.from.id);
  await setMobileGroup(ctx.deps.db, ctx.from.id, !profile?.mobileGroup);
  await ctx.answerCallbackQuery({ text: ctx.t("callouts.saved") });
  await showReadiness(ctx);
});

/** Pausing needs no consent (it only stops call-outs); resuming does. */
emergencyFeature.callbackQuery(cbPattern("em", "pause"), async (ctx) => {
  const profile = await findEmergencyProfile(ctx.deps.db, ctx.from.id);
  const pause = !profile?.pausedAt;
  if (!pause && !(await requireConsent(ctx))) return;
  await setEmergencyPaused(ctx.deps.db, ctx.from.id, pause);
  await ctx.answerCallbackQuery({ text: ctx.t("callouts.saved") });
  await showReadiness(ctx);
});

emergencyFeature.callbackQuery(cbPattern("em", "ph"), async (ctx) => {
  if (!(await requireConsent(ctx))) return;
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(EMERGENCY_PHONE);
});

emergencyFeature.callbackQuery(cbPattern("em", "phdel"), async (ctx) => {
  if (await findEmergencyProfile(ctx.deps.db, ctx.from.id)) await setEmergencyPhone(ctx.deps.db, ctx.from.id, null);
  await ctx.answerCallbackQuery({ text: ctx.t("callouts.phone_removed") });
  await showReadiness(ctx);
});

// ----- answers to a call-out ---------------------------------------------------------------------------------------

emergencyFeature.callbackQuery([cbPattern("co", "yes", 1), cbPattern("co", "no", 1)], async (ctx) => {
  const id = parseId(ctx.match[1]);
  if (id === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const answer = ctx.callbackQuery.data.startsWith("co:yes:") ? "coming" : "cant";
  const result = await answerCallout(ctx.deps.db, id, ctx.from.id, answer, ctx.deps.adminIds);
  if (result.status === "unknown") return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  if (result.status === "closed")
    return ctx.answerCallbackQuery({
      text: ctx.t(answer === "coming" ? "callouts.covered" : "callouts.closed"),
      show_alert: true,
    });
  if (result.status === "unchanged") return ctx.answerCallbackQuery({ text: ctx.t("callouts.answer_unchanged") });
  await ctx.answerCallbackQuery({
    text: ctx.t(answer === "coming" ? "callouts.answer_coming" : "callouts.answer_cant"),
    show_alert: answer === "coming",
  });
});

// ----- the coordinator's side --------------------------------------------------------------------------------------

emergencyFeature.command("callout", async (ctx) => {
  const staff = await staffOf(ctx.deps.db, ctx.from!.id, ctx.deps.adminIds);
  if (!launchesCallouts(staff)) return void (await ctx.reply(ctx.t("callouts.not_allowed")));
  await ctx.conversation.enter(CALLOUT);
});

/** The call-out behind a tally button, when the presser may manage it (checked against the row, not the button). */
async function pressedCallout(ctx: BotContext & { match: RegExpMatchArray | string }) {
  const id = parseId(typeof ctx.match === "string" ? undefined : ctx.match[1]);
  if (id === undefined) {
    await ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
    return undefined;
  }
  const callout = await manageableCallout(ctx.deps.db, await staffOf(ctx.deps.db, ctx.from!.id, ctx.deps.adminIds), id);
  if (!callout) {
    await ctx.answerCallbackQuery({ text: ctx.t("callouts.refused"), show_alert: true });
    return undefined;
  }
  return callout;
}

emergencyFeature.callbackQuery([cbPattern("co", "upd", 1), cbPattern("co", "close", 1)], async (ctx) => {
  const callout = await pressedCallout(ctx);
  if (!callout) return;
  if (callout.status !== "open")
    return ctx.answerCallbackQuery({ text: ctx.t("callouts.already_closed"), show_alert: true });
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(
    ctx.callbackQuery.data.startsWith("co:upd:") ? CALLOUT_UPDATE : CALLOUT_CLOSE,
    callout.id,
  );
});

emergencyFeature.callbackQuery(cbPattern("co", "tally", 1), async (ctx) => {
  const callout = await pressedCallout(ctx);
  if (!callout) return;
  await ctx.answerCallbackQuery();
  const tally = tallyMessage(ctx.deps.i18n, ctx.locale, callout, await calloutTally(ctx.deps.db, callout.id));
  await showScreen(ctx, tally.text, tally.markup);
});
