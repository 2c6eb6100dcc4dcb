import { randomUUID } from "node:crypto";
import { InlineKeyboard } from "grammy";
import { broadcastState } from "../../../domain/broadcasts";
import { isCategory } from "../../../domain/categories";
import { announce, audienceSize, FrontOfficeError, MAX_ANNOUNCEMENT } from "../../../domain/front-office";
import { cleanText } from "../../../domain/text";
import { cb } from "../../callback-data";
import type { BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";
import { categoryList, interestsKeyboard } from "../../keyboards";
import { showStep } from "../../screen";
import { progressView } from "../broadcasts/views";
import { regionName } from "./views";

export const FO_ANNOUNCE = "foAnnounce";
/** Bump when the steps change (bot/conversations/registry.ts). */
const FO_ANNOUNCE_VERSION = 3;

/**
 * An announcement to a region's volunteers (entered after the region was chosen and the presser checked): interests
 * (or everyone), the text, a preview with the audience size, then Send — checked again when it is enqueued. It is a
 * broadcast like an organizer's: a progress message with Stop, edited as it goes out, then the final report.
 */
async function announceConversation(conversation: BotConversation, ctx: InnerContext, regionCode: string) {
  const { t, locale } = ctx;
  const { db, adminIds, regions } = ctx.deps;
  const userId = ctx.from!.id;
  // Made once and kept in the conversation's state from its first wait on: a Send redelivered after a crash (before
  // the state after it was written) finds the announcement made the first time instead of sending a second one.
  const key = await conversation.external(() => randomUUID());
  const region = regionName(regions, regionCode, locale);

  const interests: string[] = [];
  const keyboard = () =>
    interestsKeyboard(t, interests, "foa", t("front_office.btn_done"))
      .row()
      .text(t("front_office.btn_everyone"), cb("foa", "all"));
  await ctx.reply(t("front_office.announce_interests", { region }), { reply_markup: keyboard() });
  for (;;) {
    const press = await conversation
      .waitForCallbackQuery(/^foa:(i:[a-z]+|idone|all)$/, {
        otherwise: hint("front_office.announce_interests", { region }),
      })
      .andFrom(userId);
    const data = press.callbackQuery.data;
    if (data === "foa:all") {
      interests.length = 0;
      await press.answerCallbackQuery();
      break;
    }
    if (data === "foa:idone") {
      await press.answerCallbackQuery();
      break;
    }
    const category = data.slice("foa:i:".length);
    if (!isCategory(category)) await reject(conversation, press, t("common.stale_button"));
    const at = interests.indexOf(category);
    if (at >= 0) interests.splice(at, 1);
    else interests.push(category);
    await press.answerCallbackQuery();
    await showStep(press, t("front_office.announce_interests", { region }), keyboard());
  }

  const max = MAX_ANNOUNCEMENT;
  await ctx.reply(t("front_office.announce_text", { max }));
  const reply = await conversation
    .waitFor("message:text", { otherwise: hint("front_office.announce_text_hint", { max }) })
    .andFrom(userId);
  const checked = cleanText(reply.message.text, { max, multiline: true });
  if ("error" in checked || checked.text.startsWith("/"))
    return reject(conversation, reply, t("front_office.announce_text_hint", { max }));
  const text = checked.text;

  const audience = { regionCode, interests: [...interests] };
  const count = await conversation.external(() => audienceSize(db, audience));
  if (count === 0) return void (await ctx.reply(t("front_office.announce_nobody")));
  await ctx.reply(
    t("front_office.announce_preview", {
      region,
      interests: interests.length ? categoryList(t, interests) : t("front_office.all_interests"),
      count,
      text,
    }),
    {
      reply_markup: new InlineKeyboard()
        .text(t("front_office.btn_send"), cb("foa", "send"))
        .text(t("front_office.btn_cancel"), cb("foa", "no")),
    },
  );
  const decision = await conversation
    .waitForCallbackQuery(/^foa:(send|no)$/, { otherwise: hint("front_office.announce_confirm_hint") })
    .andFrom(userId);
  await decision.answerCallbackQuery();
  if (decision.callbackQuery.data === "foa:no")
    return void (await showStep(decision, t("front_office.announce_cancelled")));
  await decision.editMessageReplyMarkup();
  // The progress message first (the job edits it); the key makes a replayed confirm find the announcement.
  const progress = await ctx.reply(t("broadcasts.progress_preparing"));
  const at = { chatId: progress.chat.id, messageId: progress.message_id };
  const outcome = await conversation.external(async () => {
    try {
      const made = await announce(db, {
        senderId: userId,
        adminIds,
        audience,
        text,
        progressChatId: at.chatId,
        progressMessageId: at.messageId,
        key,
        locale,
      });
      return { state: (await broadcastState(db, made.id))! };
    } catch (error) {
      if (error instanceof FrontOfficeError) return { error: error.code };
      throw error;
    }
  });
  if ("error" in outcome)
    return void (await ctx.api.editMessageText(at.chatId, at.messageId, t("front_office.forbidden_staff")));
  const view = progressView(t, outcome.state, false);
  await ctx.api.editMessageText(at.chatId, at.messageId, view.text, { reply_markup: view.keyboard });
}

export const announceSpec: ConversationSpec = defineConversation(
  FO_ANNOUNCE,
  FO_ANNOUNCE_VERSION,
  "front_office.dropped_announce",
  announceConversation,
);
