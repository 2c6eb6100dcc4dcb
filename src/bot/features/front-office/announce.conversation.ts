import { randomUUID } from "node:crypto";
import { InlineKeyboard } from "grammy";
import { announce, audienceSize, FrontOfficeError, MAX_ANNOUNCEMENT } from "../../../domain/front-office";
import { isCategory } from "../../../domain/categories";
import { cleanText } from "../../../domain/text";
import { cb } from "../../callback-data";
import type { BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";
import { categoryList, interestsKeyboard } from "../../keyboards";
import { showStep } from "../../screen";
import { regionName } from "./views";

export const FO_ANNOUNCE = "foAnnounce";
/** Bump when the steps change (bot/conversations/registry.ts). */
const FO_ANNOUNCE_VERSION = 1;

/**
 * An announcement to a region's volunteers (entered after the region was chosen and the presser checked): interests
 * (or everyone), the text, a preview with the audience size, then Send — checked again when it is enqueued.
 */
async function announceConversation(conversation: BotConversation, ctx: InnerContext, regionCode: string) {
  const { t, locale } = ctx;
  const { db, adminIds, regions } = ctx.deps;
  const userId = ctx.from!.id;
  const region = regionName(regions, regionCode, locale);
  const key = await conversation.external(() => `an:${randomUUID()}`);

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
  const outcome = await conversation.external(async () => {
    try {
      return await announce(db, { senderId: userId, adminIds, audience, text, key });
    } catch (error) {
      if (error instanceof FrontOfficeError) return { error: error.code };
      throw error;
    }
  });
  if ("error" in outcome) return void (await showStep(decision, t("front_office.forbidden_staff")));
  // TODO after merge with H4's broadcasts: a live progress message and the final report of batch `an:<id>`.
  await showStep(
    decision,
    outcome.total === 0 ? t("front_office.announce_nobody") : t("front_office.announce_sent", { count: outcome.total }),
  );
}

export const announceSpec: ConversationSpec = defineConversation(
  FO_ANNOUNCE,
  FO_ANNOUNCE_VERSION,
  "front_office.dropped_announce",
  announceConversation,
);
