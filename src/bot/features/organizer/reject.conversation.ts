import { applicationFor, decideApplication, MAX_REJECT_REASON, OrganizationError } from "../../../domain/organizations";
import { cleanText } from "../../../domain/text";
import type { BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";
import { decisionLine } from "./views";

export const ORG_REJECT = "orgReject";
/** Bump when the steps change (bot/conversations/registry.ts). */
const ORG_REJECT_VERSION = 1;

/**
 * Reject with a reason: entered from the Reject button after the presser was checked; asks for the reason, then
 * decides (checking again, in one transaction: another coordinator may have decided meanwhile).
 */
async function rejectConversation(
  conversation: BotConversation,
  ctx: InnerContext,
  organizationId: number,
): Promise<void> {
  const { t, locale } = ctx;
  const { db, adminIds } = ctx.deps;
  const userId = ctx.from!.id;
  const application = await conversation.external(() =>
    applicationFor(db, organizationId, userId, adminIds, locale).catch((error) => {
      if (error instanceof OrganizationError) return undefined;
      throw error;
    }),
  );
  if (!application) {
    await ctx.reply(t("organizer.forbidden"));
    return;
  }
  const max = MAX_REJECT_REASON;
  await ctx.reply(t("organizer.reject_reason_prompt", { name: application.name, max }));
  const reply = await conversation
    .waitFor("message:text", { otherwise: hint("organizer.reject_reason_hint", { max }) })
    .andFrom(userId);
  const checked = cleanText(reply.message.text, { max, multiline: true });
  if ("error" in checked || checked.text.startsWith("/"))
    return reject(conversation, reply, t("organizer.reject_reason_hint", { max }));
  const reason = checked.text;
  const outcome = await conversation.external(async () => {
    try {
      return await decideApplication(
        db,
        { organizationId, deciderId: userId, adminIds, locale },
        { approve: false, reason },
      );
    } catch (error) {
      if (error instanceof OrganizationError) return { error: error.code };
      throw error;
    }
  });
  await ctx.reply("error" in outcome ? t("organizer.forbidden") : decisionLine(t, outcome));
}

export const rejectSpec: ConversationSpec = defineConversation(
  ORG_REJECT,
  ORG_REJECT_VERSION,
  "organizer.dropped_reject",
  rejectConversation,
);
