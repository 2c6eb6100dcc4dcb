import { randomUUID } from "node:crypto";
import type { PhotoSize } from "grammy/types";
import {
  checkDeedText,
  DEED_TEXT_MAX,
  DEEDS_COUNTED_PER_DAY,
  openMarathon,
  reportDeed,
} from "../../../domain/marathons";
import { DomainError } from "../../../domain/users";
import { charLength } from "../../../domain/text";
import { cb, cbPattern } from "../../callback-data";
import type { BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";
import {
  afterDeedKeyboard,
  badgeLabel,
  marathonTitle,
  refusalText,
  saveDeedKeyboard,
  skipPhotoKeyboard,
} from "./views";

export const DEED = "marathon_deed";

// ----- reporting a good deed ------------------------------------------------------------------

/** Telegram sends several sizes of a photo; only the largest one's file_id is kept. */
function largestPhoto(sizes: PhotoSize[]): PhotoSize {
  return sizes.reduce((best, size) => (size.width * size.height > best.width * best.height ? size : best));
}

/** Answers a button press of the conversation and takes its keyboard away, so it cannot be pressed twice. */
async function settle(press: InnerContext): Promise<void> {
  await press.answerCallbackQuery();
  await press.editMessageReplyMarkup();
}

/**
 * Text (or a photo whose caption is the text) → optional photo → confirm → stored. Hours are not asked: the reply
 * says to log them in /hours, where an organization can confirm them.
 * The marathon is re-checked when the deed is stored, so a marathon that ended meanwhile is refused.
 */
async function reportDeedConversation(
  conversation: BotConversation,
  ctx: InnerContext,
  marathonId: number,
): Promise<void> {
  const { t, locale } = ctx;
  const userId = ctx.from!.id;
  // Kept in the log from the first step on: a replay of the save after a crash finds the stored deed.
  const idempotencyKey = await conversation.external(() => `mrd:${randomUUID()}`);
  const title = await conversation.external(async () => {
    const view = await openMarathon(ctx.deps.db, marathonId, userId);
    return view ? marathonTitle(view.marathon, locale) : null;
  });
  if (title === null) {
    await ctx.reply(t("marathons.unavailable"));
    return;
  }

  // 1. What was done: text, or a photo with the text as its caption. A photo without a caption is kept (once) and
  // the text asked for; everything refused is forgotten (not kept in the log).
  await ctx.reply(t("marathons.deed_prompt", { title, max: DEED_TEXT_MAX }));
  let text: string | undefined;
  let photoFileId: string | null = null;
  while (text === undefined) {
    const reply = await conversation
      .waitFor(["message:text", "message:photo"], { otherwise: hint("marathons.deed_hint") })
      .andFrom(userId);
    const { photo } = reply.message;
    const raw = photo ? (reply.message.caption ?? "") : reply.message.text!;
    if (!photo && raw.startsWith("/")) await reject(conversation, reply, t("marathons.deed_hint"));
    const checked = checkDeedText(raw);
    if ("text" in checked) {
      text = checked.text;
      if (photo) photoFileId = largestPhoto(photo).file_id;
    } else if (checked.error === "text_too_long") {
      await reject(
        conversation,
        reply,
        t("marathons.deed_text_too_long", { length: charLength(raw.trim()), max: DEED_TEXT_MAX }),
      );
    } else if (photo && photoFileId === null) {
      photoFileId = largestPhoto(photo).file_id;
      await reply.reply(t("marathons.deed_photo_needs_text"));
    } else {
      await reject(conversation, reply, t(photo ? "marathons.deed_photo_needs_text" : "marathons.deed_hint"));
    }
  }

  // 2. A photo, unless one came with the text
  if (photoFileId === null) {
    const prompt = await ctx.reply(t("marathons.deed_photo_prompt"), { reply_markup: skipPhotoKeyboard(t) });
    const answer = await conversation
      .waitFor(["message:photo", "callback_query:data"], { otherwise: hint("marathons.deed_photo_hint") })
      .andFrom(userId);
    if (answer.message?.photo) {
      photoFileId = largestPhoto(answer.message.photo).file_id;
      await ctx.api.editMessageReplyMarkup(prompt.chat.id, prompt.message_id);
    } else if (answer.callbackQuery?.data === cb("mrd", "nophoto")) {
      await settle(answer);
    } else {
      await reject(conversation, answer, t("common.stale_button"));
    }
  }

  // 3. Confirm (no hours: nobody could confirm them here; /hours, with an organization, can)
  const summary = t("marathons.deed_confirm", {
    text,
    photo: t(photoFileId ? "marathons.deed_photo_yes" : "marathons.deed_photo_no"),
  });
  await ctx.reply(summary, { reply_markup: saveDeedKeyboard(t) });
  const decision = await conversation
    .waitForCallbackQuery([cbPattern("mrd", "save"), cbPattern("mrd", "drop")], {
      otherwise: hint("marathons.deed_confirm_hint"),
    })
    .andFrom(userId);
  await settle(decision);
  const afterwards = afterDeedKeyboard(t, marathonId);
  if (decision.callbackQuery.data === cb("mrd", "drop")) {
    await ctx.reply(t("marathons.deed_discarded"), { reply_markup: afterwards });
    return;
  }

  const input = { marathonId, userId, text, photoFileId, idempotencyKey };
  const result = await conversation.external(async () => {
    try {
      return { stored: true as const, ...(await reportDeed(ctx.deps.db, input)) };
    } catch (error) {
      if (error instanceof DomainError) return { stored: false as const, code: error.code };
      throw error;
    }
  });
  if (!result.stored) {
    await ctx.reply(refusalText(t, new DomainError(result.code)));
    return;
  }
  const lines = [
    result.counted
      ? t("marathons.deed_saved", { count: result.deeds })
      : t("marathons.deed_not_counted", { count: DEEDS_COUNTED_PER_DAY }),
  ];
  if (result.badge !== null) lines.push("", t("marathons.deed_badge", { badge: badgeLabel(t, result.badge) }));
  lines.push("", t("marathons.deed_hours_note"));
  await ctx.reply(lines.join("\n"), { reply_markup: afterwards });
}

/** Bump when the steps change (bot/conversations/registry.ts). */
const DEED_VERSION = 3;

export const marathonsConversations: ConversationSpec[] = [
  defineConversation(DEED, DEED_VERSION, "chats.dropped_marathon_deed", reportDeedConversation),
];
