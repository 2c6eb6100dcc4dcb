import { randomUUID } from "node:crypto";
import { actsFor, manageableAction, staffOf } from "../../../domain/access";
import {
  audienceSize,
  broadcastableActions,
  broadcastState,
  createBroadcast,
  MAX_BROADCAST_CAPTION,
  MAX_BROADCAST_TEXT,
  type OrganizationAudience,
  organizationsOf,
  RECENT_MONTHS,
} from "../../../domain/broadcasts";
import { pick } from "../../../domain/localized";
import { charLength, cleanText } from "../../../domain/text";
import { cbPattern } from "../../callback-data";
import type { BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";
import { showStep } from "../../screen";
import {
  actionsKeyboard,
  audienceInWords,
  audienceKeyboard,
  broadcastText,
  confirmKeyboard,
  monthsKeyboard,
  muteKeyboard,
  noPhotoKeyboard,
  organizationsKeyboard,
  progressView,
  waitlistKeyboard,
} from "./views";

export const BROADCAST = "broadcast";
/** Bump when the steps change (bot/conversations/registry.ts). */
const BROADCAST_VERSION = 2;

export interface BroadcastPreset {
  /** From an action's organizer screen (`bc:a:<id>`): that action's participants. */
  actionId?: number;
}

async function broadcast(conversation: BotConversation, ctx: InnerContext, preset: BroadcastPreset = {}) {
  const { t, locale } = ctx;
  const { db, adminIds } = ctx.deps;
  const userId = ctx.from!.id;
  // Made once and kept in the conversation's state from its first wait on: a Send redelivered after a crash (before
  // the state after it was written) finds the broadcast made the first time instead of sending a second one.
  const key = await conversation.external(() => randomUUID());
  const setup = await conversation.external(async () => {
    const staff = await staffOf(db, userId, adminIds);
    const orgs = await organizationsOf(db, staff, locale);
    const action = preset.actionId ? await manageableAction(db, staff, preset.actionId) : undefined;
    return {
      orgs,
      action: action?.organizationId
        ? { id: action.id, organizationId: action.organizationId, title: pick(action.titleKk, action.titleRu, locale) }
        : undefined,
    };
  });
  if (setup.orgs.length === 0) {
    await ctx.reply(t("broadcasts.not_organizer"));
    return;
  }
  if (preset.actionId !== undefined && !setup.action) {
    await ctx.reply(t("broadcasts.action_forbidden"));
    return;
  }

  // 1. The organization
  let org = setup.orgs.find((o) => o.id === setup.action?.organizationId) ?? setup.orgs[0]!;
  if (!setup.action && setup.orgs.length > 1) {
    await ctx.reply(t("broadcasts.choose_org"), { reply_markup: organizationsKeyboard(setup.orgs) });
    const pickOrg = await conversation
      .waitForCallbackQuery(cbPattern("bcs", "o", 1), { otherwise: hint("broadcasts.buttons_hint") })
      .andFrom(userId);
    const chosen = setup.orgs.find((o) => String(o.id) === pickOrg.match[1]);
    if (!chosen) return reject(conversation, pickOrg, t("common.stale_button"));
    await pickOrg.answerCallbackQuery();
    await showStep(pickOrg, t("broadcasts.org_chosen", { org: chosen.name }));
    org = chosen;
  }

  // 2. The audience
  let action = setup.action;
  let audience: OrganizationAudience | undefined;
  if (!action) {
    await ctx.reply(t("broadcasts.audience_prompt", { org: org.name }), { reply_markup: audienceKeyboard(t) });
    const kind = await conversation
      .waitForCallbackQuery(cbPattern("bcs", "k", 1), { otherwise: hint("broadcasts.buttons_hint") })
      .andFrom(userId);
    const now = new Date(await conversation.now());
    if (kind.match[1] === "action") {
      const list = await conversation.external(async () =>
        (await broadcastableActions(db, org.id, locale, now)).map((a) => ({
          ...a,
          startsAt: a.startsAt.toISOString(),
        })),
      );
      if (list.length === 0) return reject(conversation, kind, t("broadcasts.no_actions"), true);
      await kind.answerCallbackQuery();
      await showStep(kind, t("broadcasts.actions_prompt"), actionsKeyboard(t, locale, list));
      const pickAction = await conversation
        .waitForCallbackQuery(cbPattern("bcs", "a", 1), { otherwise: hint("broadcasts.buttons_hint") })
        .andFrom(userId);
      const chosen = list.find((a) => String(a.id) === pickAction.match[1]);
      if (!chosen) return reject(conversation, pickAction, t("common.stale_button"));
      await pickAction.answerCallbackQuery();
      action = { id: chosen.id, organizationId: org.id, title: chosen.title };
      await showStep(pickAction, t("broadcasts.waitlist_prompt", { title: action.title }), waitlistKeyboard(t));
    } else if (kind.match[1] === "recent") {
      await kind.answerCallbackQuery();
      await showStep(kind, t("broadcasts.months_prompt"), monthsKeyboard(t));
      const pickMonths = await conversation
        .waitForCallbackQuery(cbPattern("bcs", "m", 1), { otherwise: hint("broadcasts.buttons_hint") })
        .andFrom(userId);
      const months = RECENT_MONTHS.find((m) => String(m) === pickMonths.match[1]);
      if (months === undefined) return reject(conversation, pickMonths, t("common.stale_button"));
      await pickMonths.answerCallbackQuery();
      audience = { kind: "recent", months };
      await showStep(pickMonths, t("broadcasts.audience_chosen", { audience: audienceInWords(t, audience) }));
    } else if (kind.match[1] === "channels") {
      const size = await conversation.external(() => audienceSize(db, org.id, { kind: "channels" }, now));
      if (size === 0) return reject(conversation, kind, t("broadcasts.no_channels"), true);
      await kind.answerCallbackQuery();
      audience = { kind: "channels" };
      await showStep(kind, t("broadcasts.audience_chosen", { audience: audienceInWords(t, audience) }));
    } else return reject(conversation, kind, t("common.stale_button"));
  } else {
    await ctx.reply(t("broadcasts.waitlist_prompt", { title: action.title }), { reply_markup: waitlistKeyboard(t) });
  }
  if (!audience) {
    const pickWaitlist = await conversation
      .waitForCallbackQuery(cbPattern("bcs", "w", 1), { otherwise: hint("broadcasts.buttons_hint") })
      .andFrom(userId);
    if (!["0", "1"].includes(pickWaitlist.match[1]!))
      return reject(conversation, pickWaitlist, t("common.stale_button"));
    await pickWaitlist.answerCallbackQuery();
    audience = { kind: "action", actionId: action!.id, withWaitlist: pickWaitlist.match[1] === "1" };
    await showStep(
      pickWaitlist,
      t("broadcasts.audience_chosen", { audience: audienceInWords(t, audience, action!.title) }),
    );
  }
  const audienceLine = audienceInWords(t, audience, action?.title);

  // 3. Text, an optional photo, the preview; "Edit" comes back here
  let text: string;
  let photo: string | undefined;
  for (;;) {
    await ctx.reply(t("broadcasts.text_prompt", { max: MAX_BROADCAST_TEXT }));
    const typed = await conversation
      .waitFor("message:text", { otherwise: hint("broadcasts.text_hint", { max: MAX_BROADCAST_TEXT }) })
      .andFrom(userId);
    const checked = cleanText(typed.message.text, { max: MAX_BROADCAST_TEXT, multiline: true });
    if ("error" in checked) {
      const problem =
        checked.error === "empty"
          ? t("broadcasts.text_empty")
          : t("broadcasts.text_too_long", { max: MAX_BROADCAST_TEXT, length: charLength(typed.message.text) });
      return reject(conversation, typed, problem);
    }
    text = checked.text;

    await ctx.reply(t("broadcasts.photo_prompt"), { reply_markup: noPhotoKeyboard(t) });
    const photoAnswer = await conversation
      .waitFor(["message:photo", "callback_query:data"], { otherwise: hint("broadcasts.photo_hint") })
      .andFrom(userId);
    if (photoAnswer.callbackQuery) {
      if (photoAnswer.callbackQuery.data !== "bcs:np")
        return reject(conversation, photoAnswer, t("common.stale_button"));
      await photoAnswer.answerCallbackQuery();
      await photoAnswer.editMessageReplyMarkup();
      photo = undefined;
    } else {
      const length = charLength(text);
      if (length > MAX_BROADCAST_CAPTION) {
        return reject(
          conversation,
          photoAnswer,
          t("broadcasts.caption_too_long", { max: MAX_BROADCAST_CAPTION, length }),
        );
      }
      photo = photoAnswer.message!.photo!.at(-1)!.file_id;
    }

    const now = new Date(await conversation.now());
    const count = await conversation.external(() => audienceSize(db, org.id, audience, now));
    if (count === 0) {
      await ctx.reply(t("broadcasts.empty_audience"));
      return;
    }
    // Exactly what recipients get (people also get the mute button; channels do not).
    const markup = audience.kind === "channels" ? undefined : muteKeyboard(t, org.id, org.name);
    if (photo) await ctx.replyWithPhoto(photo, { caption: broadcastText(t, text), reply_markup: markup });
    else await ctx.reply(broadcastText(t, text), { reply_markup: markup });
    await ctx.reply(t("broadcasts.preview", { org: org.name, audience: audienceLine, count }), {
      reply_markup: confirmKeyboard(t),
    });
    const decision = await conversation
      .waitForCallbackQuery([cbPattern("bcs", "ok"), cbPattern("bcs", "ed"), cbPattern("bcs", "no")], {
        otherwise: hint("broadcasts.buttons_hint"),
      })
      .andFrom(userId);
    await decision.answerCallbackQuery();
    if (decision.callbackQuery.data === "bcs:no") {
      await showStep(decision, t("broadcasts.cancelled"));
      return;
    }
    await decision.editMessageReplyMarkup();
    if (decision.callbackQuery.data === "bcs:ok") break;
  }

  // 4. Send: the progress message first (its id makes a replayed confirm find the broadcast), then everything
  const progress = await ctx.reply(t("broadcasts.progress_preparing"));
  const created = await conversation.external(async () => {
    // Checked again: membership may have changed while the organizer was typing.
    const staff = await staffOf(db, userId, adminIds);
    if (!actsFor(staff, org.id)) return undefined;
    if (audience.kind === "action") {
      const still = await manageableAction(db, staff, audience.actionId);
      if (still?.organizationId !== org.id) return undefined;
    }
    const made = await createBroadcast(
      db,
      {
        organizationId: org.id,
        createdBy: userId,
        audience,
        text,
        photoFileId: photo,
        progressChatId: progress.chat.id,
        progressMessageId: progress.message_id,
        key,
        locale,
      },
      new Date(),
    );
    return broadcastState(db, made.id);
  });
  if (!created) {
    await ctx.api.editMessageText(progress.chat.id, progress.message_id, t("broadcasts.forbidden"));
    return;
  }
  const view = progressView(t, created, false);
  await ctx.api.editMessageText(progress.chat.id, progress.message_id, view.text, { reply_markup: view.keyboard });
}

export const broadcastConversations: ConversationSpec[] = [
  defineConversation(BROADCAST, BROADCAST_VERSION, "broadcasts.dropped", broadcast),
];
