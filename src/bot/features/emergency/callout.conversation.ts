import { randomUUID } from "node:crypto";
import { staffOf } from "../../../domain/access";
import {
  type CalloutDraft,
  calloutTally,
  closeCallout,
  allowedDraft,
  countMatching,
  findCallout,
  launchCallout,
  launchesCallouts,
  MAX_CALLOUT_PEOPLE,
  MAX_CALLOUT_RADIUS_KM,
  MAX_CALLOUT_TEXT,
  manageableCallout,
  parseMeetTime,
  sendCalloutUpdate,
  setTallyMessage,
} from "../../../domain/callouts";
import {
  type EmergencySkill,
  findEmergencyProfile,
  isEmergencySkill,
  normalizePhone,
  setEmergencyPhone,
} from "../../../domain/emergency";
import { isValidPoint } from "../../../domain/users";
import { cleanText } from "../../../domain/text";
import { formatDateTime } from "../../../i18n/format";
import { InlineKeyboard } from "grammy";
import { cb, cbPattern } from "../../callback-data";
import type { BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";
import { showStep } from "../../screen";
import {
  locationRequestMarkup,
  phoneRequestMarkup,
  readinessKeyboard,
  readinessText,
  skillList,
  skillsKeyboard,
  tallyMessage,
} from "./views";

export const CALLOUT = "callout";
export const CALLOUT_UPDATE = "calloutUpdate";
export const CALLOUT_CLOSE = "calloutClose";
export const EMERGENCY_PHONE = "emergencyPhone";

const RADII = [5, 10, 25, 50] as const;
const HOURS_AHEAD = [1, 2, 3] as const;

/** A positive whole number typed, at most `max`. */
function typedCount(text: string, max: number): number | undefined {
  const match = /^\s*(\d{1,6})\s*$/.exec(text);
  const n = match ? Number(match[1]) : 0;
  return n >= 1 && n <= max ? n : undefined;
}

/** A location the user sends (a pin picked on the map, or their own); anything else gets the step's hint. */
async function waitPoint(
  conversation: BotConversation,
  ctx: InnerContext,
  hintKey: "callouts.center_hint" | "callouts.meeting_hint",
): Promise<{ latitude: number; longitude: number }> {
  const sent = await conversation.waitFor("message:location", { otherwise: hint(hintKey) }).andFrom(ctx.from!.id);
  const point = { latitude: sent.message.location.latitude, longitude: sent.message.location.longitude };
  if (!isValidPoint(point)) return reject(conversation, sent, ctx.t(hintKey));
  return point;
}

/** /callout: area, skills, how many, meeting point and time, text; preview with the number reached; launch. */
async function calloutConversation(conversation: BotConversation, ctx: InnerContext): Promise<void> {
  const { t, locale } = ctx;
  const { db, adminIds, regions, i18n } = ctx.deps;
  const userId = ctx.from!.id;
  const launchKey = await conversation.external(() => `co:${randomUUID()}`);
  const staff = await conversation.external(async () => {
    const s = await staffOf(db, userId, adminIds);
    return { admin: s.admin, regions: s.regions, allowed: launchesCallouts(s) };
  });
  if (!staff.allowed) {
    await ctx.reply(t("callouts.not_allowed"));
    return;
  }

  // 1. The area: one of the user's regions (an admin: any), or a radius around a point
  const offered = staff.admin ? regions.all : regions.all.filter((r) => staff.regions.includes(r.code));
  const areaKb = new InlineKeyboard();
  offered.forEach((region, i) => {
    areaKb.text(regions.name(region, locale), cb("col", "r", region.code));
    if (i % 2 === 1) areaKb.row();
  });
  areaKb.row().text(t("callouts.btn_radius"), cb("col", "rad"));
  await ctx.reply(t("callouts.area_prompt"), { reply_markup: areaKb });
  const areaPick = await conversation
    .waitForCallbackQuery([cbPattern("col", "r", 1), cbPattern("col", "rad")], {
      otherwise: hint("callouts.area_hint"),
    })
    .andFrom(userId);
  const draft: Partial<CalloutDraft> = {};
  let area: string;
  if (areaPick.match[1] !== undefined) {
    const region = offered.find((r) => r.code === areaPick.match[1]);
    if (!region) return reject(conversation, areaPick, t("common.stale_button"));
    await areaPick.answerCallbackQuery();
    draft.regionCode = region.code;
    area = regions.name(region, locale);
    await showStep(areaPick, t("callouts.area_chosen", { area }));
  } else {
    await areaPick.answerCallbackQuery();
    await showStep(areaPick, t("callouts.center_prompt"));
    await ctx.reply(t("callouts.center_hint"), { reply_markup: locationRequestMarkup(t) });
    draft.center = await waitPoint(conversation, ctx, "callouts.center_hint");
    const radiusKb = new InlineKeyboard();
    for (const km of RADII) radiusKb.text(`${km} km`, cb("col", "km", km));
    await ctx.reply(t("callouts.radius_prompt", { max: MAX_CALLOUT_RADIUS_KM }), { reply_markup: radiusKb });
    const radius = await conversation
      .waitFor(["callback_query:data", "message:text"], {
        otherwise: hint("callouts.radius_hint", { max: MAX_CALLOUT_RADIUS_KM }),
      })
      .andFrom(userId);
    const km = radius.callbackQuery
      ? RADII.find((r) => radius.callbackQuery!.data === cb("col", "km", r))
      : typedCount(radius.message!.text!, MAX_CALLOUT_RADIUS_KM);
    if (km === undefined)
      return reject(
        conversation,
        radius,
        radius.callbackQuery ? t("common.stale_button") : t("callouts.radius_hint", { max: MAX_CALLOUT_RADIUS_KM }),
      );
    draft.radiusKm = km;
    area = t("callouts.area_radius", { km });
    if (radius.callbackQuery) {
      await radius.answerCallbackQuery();
      await showStep(radius, t("callouts.area_chosen", { area }));
    }
  }

  // 2. Needed skills (or anyone ready)
  let chosen: EmergencySkill[] = [];
  const finish = () => [
    { text: t("common.done"), data: cb("col", "sdone") },
    { text: t("callouts.btn_any"), data: cb("col", "any") },
  ];
  await ctx.reply(t("callouts.skills_needed_prompt"), { reply_markup: skillsKeyboard(t, chosen, "col", finish()) });
  for (;;) {
    const press = await conversation
      .waitForCallbackQuery([cbPattern("col", "s", 1), cbPattern("col", "sdone"), cbPattern("col", "any")], {
        otherwise: hint("callouts.skills_needed_hint"),
      })
      .andFrom(userId);
    const data = press.callbackQuery.data;
    if (data === cb("col", "any") || (data === cb("col", "sdone") && chosen.length > 0)) {
      if (data === cb("col", "any")) chosen = [];
      await press.answerCallbackQuery();
      await showStep(press, t("callouts.skills_chosen", { skills: skillList(t, chosen, t("callouts.any_skill")) }));
      break;
    }
    if (data === cb("col", "sdone")) {
      await press.answerCallbackQuery({ text: t("callouts.skills_needed_hint") });
      continue;
    }
    const skill = press.match[1];
    if (!isEmergencySkill(skill)) {
      await press.answerCallbackQuery({ text: t("common.stale_button") });
      continue;
    }
    chosen = chosen.includes(skill) ? chosen.filter((s) => s !== skill) : [...chosen, skill];
    await press.answerCallbackQuery();
    await press.editMessageReplyMarkup({ reply_markup: skillsKeyboard(t, chosen, "col", finish()) });
  }
  draft.skills = chosen;

  // 3. How many people
  await ctx.reply(t("callouts.needed_prompt", { max: MAX_CALLOUT_PEOPLE }));
  const neededReply = await conversation
    .waitFor("message:text", { otherwise: hint("callouts.needed_hint", { max: MAX_CALLOUT_PEOPLE }) })
    .andFrom(userId);
  const needed = typedCount(neededReply.message.text, MAX_CALLOUT_PEOPLE);
  if (needed === undefined)
    return reject(conversation, neededReply, t("callouts.needed_hint", { max: MAX_CALLOUT_PEOPLE }));
  draft.needed = needed;

  // 4. The meeting point (a pin)
  await ctx.reply(t("callouts.meeting_prompt"), { reply_markup: locationRequestMarkup(t) });
  draft.meeting = await waitPoint(conversation, ctx, "callouts.meeting_hint");

  // 5. The meeting time: in 1/2/3 hours, or typed
  const now = new Date(await conversation.now());
  const timeKb = new InlineKeyboard();
  for (const h of HOURS_AHEAD) timeKb.text(t("callouts.btn_in_hours", { count: h }), cb("col", "h", h));
  await ctx.reply(t("callouts.time_prompt"), { reply_markup: timeKb });
  const when = await conversation
    .waitFor(["callback_query:data", "message:text"], { otherwise: hint("callouts.time_hint") })
    .andFrom(userId);
  let meetAt: Date | undefined;
  if (when.callbackQuery) {
    const h = HOURS_AHEAD.find((n) => when.callbackQuery!.data === cb("col", "h", n));
    if (h === undefined) return reject(conversation, when, t("common.stale_button"));
    meetAt = new Date(Math.ceil((now.getTime() + h * 3_600_000) / 300_000) * 300_000);
    await when.answerCallbackQuery();
    await showStep(when, t("callouts.time_chosen", { meet: formatDateTime(meetAt, locale, now) }));
  } else {
    meetAt = parseMeetTime(when.message!.text!, now);
    if (!meetAt) return reject(conversation, when, t("callouts.time_hint"));
  }
  draft.meetAt = meetAt;

  // 6. The text
  await ctx.reply(t("callouts.text_prompt", { max: MAX_CALLOUT_TEXT }), { reply_markup: { remove_keyboard: true } });
  const textReply = await conversation
    .waitFor("message:text", { otherwise: hint("callouts.text_hint", { max: MAX_CALLOUT_TEXT }) })
    .andFrom(userId);
  const checked = cleanText(textReply.message.text, { max: MAX_CALLOUT_TEXT, multiline: true });
  if ("error" in checked || checked.text.startsWith("/"))
    return reject(conversation, textReply, t("callouts.text_hint", { max: MAX_CALLOUT_TEXT }));
  draft.text = checked.text;

  // 7. Preview with the number of volunteers it reaches; launch
  const full = draft as CalloutDraft;
  const count = await conversation.external(async () => {
    const allowed = allowedDraft(await staffOf(db, userId, adminIds), full);
    return allowed ? countMatching(db, allowed) : 0;
  });
  await ctx.reply(
    t("callouts.preview", {
      area,
      skills: skillList(t, full.skills, t("callouts.any_skill")),
      needed: full.needed,
      meet: formatDateTime(full.meetAt, locale, now),
      text: full.text,
      count,
    }),
    {
      reply_markup: new InlineKeyboard()
        .text(t("callouts.btn_launch"), cb("col", "go"))
        .text(t("callouts.btn_cancel"), cb("col", "no")),
    },
  );
  const decision = await conversation
    .waitForCallbackQuery([cbPattern("col", "go"), cbPattern("col", "no")], {
      otherwise: hint("callouts.preview_hint"),
    })
    .andFrom(userId);
  await decision.answerCallbackQuery();
  await decision.editMessageReplyMarkup();
  if (decision.callbackQuery.data !== cb("col", "go")) {
    await ctx.reply(t("callouts.cancelled"));
    return;
  }
  const launched = await conversation.external(async () => {
    // Checked again at the launch: the seat may have been taken away meanwhile.
    const allowed = allowedDraft(await staffOf(db, userId, adminIds), full);
    if (!allowed) return undefined;
    const { callout, invited } = await launchCallout(db, allowed, userId, { launchKey });
    return { id: callout.id, invited };
  });
  if (!launched) {
    await ctx.reply(t("callouts.not_allowed"));
    return;
  }
  await ctx.reply(t("callouts.launched", { count: launched.invited }));
  const tally = await conversation.external(async () => {
    const callout = (await findCallout(db, launched.id))!;
    return tallyMessage(i18n, locale, callout, await calloutTally(db, launched.id));
  });
  const sent = await ctx.reply(tally.text, { reply_markup: tally.markup });
  await conversation.external(() => setTallyMessage(db, launched.id, sent.chat.id, sent.message_id));
}

/** The call-out if the user may manage it and it is open: a refusal or "closed" otherwise (checked again here). */
async function openManageable(conversation: BotConversation, ctx: InnerContext, id: number) {
  const { db, adminIds } = ctx.deps;
  const userId = ctx.from!.id;
  const state = await conversation.external(async () => {
    const callout = await manageableCallout(db, await staffOf(db, userId, adminIds), id);
    if (!callout) return "refused" as const;
    return callout.status === "open" ? ("open" as const) : ("closed" as const);
  });
  if (state === "refused") await ctx.reply(ctx.t("callouts.refused"));
  if (state === "closed") await ctx.reply(ctx.t("callouts.already_closed"));
  return state === "open";
}

/**
 * Send update / Close from the tally: asks for the text (an update, or the final plan), then sends it to everyone
 * coming; closing also closes the call-out. The presser's right is checked again at each end.
 */
function textToComing(mode: "update" | "close") {
  const keys =
    mode === "update"
      ? { prompt: "callouts.update_prompt", hint: "callouts.update_hint" }
      : { prompt: "callouts.close_prompt", hint: "callouts.close_hint" };
  return async (conversation: BotConversation, ctx: InnerContext, id: number): Promise<void> => {
    const { t } = ctx;
    const { db, adminIds } = ctx.deps;
    const userId = ctx.from!.id;
    if (!(await openManageable(conversation, ctx, id))) return;
    const key = await conversation.external(() => randomUUID());
    const max = MAX_CALLOUT_TEXT;
    await ctx.reply(t(keys.prompt as "callouts.update_prompt", { max }));
    const reply = await conversation
      .waitFor("message:text", { otherwise: hint(keys.hint as "callouts.update_hint", { max }) })
      .andFrom(userId);
    const checked = cleanText(reply.message.text, { max, multiline: true });
    if ("error" in checked || checked.text.startsWith("/"))
      return reject(conversation, reply, t(keys.hint as "callouts.update_hint", { max }));
    const text = checked.text;
    const told = await conversation.external(async () => {
      if (!(await manageableCallout(db, await staffOf(db, userId, adminIds), id))) return undefined;
      if (mode === "update") return sendCalloutUpdate(db, id, text, key);
      return (await closeCallout(db, id, text, adminIds))?.told;
    });
    if (told === undefined) await ctx.reply(t("callouts.already_closed"));
    else await ctx.reply(t(mode === "update" ? "callouts.update_sent" : "callouts.closed_done", { count: told }));
  };
}

/** Sharing one's own phone (Telegram's contact button) for the coordinators of call-outs one answers. */
async function phoneConversation(conversation: BotConversation, ctx: InnerContext): Promise<void> {
  const { t } = ctx;
  const { db } = ctx.deps;
  const userId = ctx.from!.id;
  await ctx.reply(t("callouts.phone_prompt"), { reply_markup: phoneRequestMarkup(t) });
  const shared = await conversation
    .waitFor("message:contact", { otherwise: hint("callouts.phone_not_own") })
    .andFrom(userId);
  const phone = normalizePhone(shared.message.contact.phone_number);
  if (shared.message.contact.user_id !== userId || !phone)
    return reject(conversation, shared, t("callouts.phone_not_own"));
  const profile = await conversation.external(async () => {
    await setEmergencyPhone(db, userId, phone);
    const p = await findEmergencyProfile(db, userId);
    return p ? { ...p, pausedAt: p.pausedAt?.toISOString() ?? null, updatedAt: p.updatedAt.toISOString() } : undefined;
  });
  await ctx.reply(t("callouts.phone_saved"), { reply_markup: { remove_keyboard: true } });
  const view = profile
    ? {
        ...profile,
        pausedAt: profile.pausedAt ? new Date(profile.pausedAt) : null,
        updatedAt: new Date(profile.updatedAt),
      }
    : undefined;
  await ctx.reply(readinessText(t, view), { reply_markup: readinessKeyboard(t, view) });
}

/** Bump a version when its steps change (bot/conversations/registry.ts). */
export const emergencyConversations: ConversationSpec[] = [
  defineConversation(CALLOUT, 1, "callouts.dropped", calloutConversation),
  defineConversation(CALLOUT_UPDATE, 1, "callouts.dropped_update", textToComing("update")),
  defineConversation(CALLOUT_CLOSE, 1, "callouts.dropped_close", textToComing("close")),
  defineConversation(EMERGENCY_PHONE, 1, "callouts.dropped_phone", phoneConversation),
];
