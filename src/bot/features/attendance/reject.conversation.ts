import { staffOf } from "../../../domain/access";
import { MAX_REJECT_REASON_LENGTH, queuedClaim } from "../../../domain/claims";
import { decideHours, HoursError } from "../../../domain/hours";
import { cleanText } from "../../../domain/text";
import type { BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";
import { backToClaims } from "./views";

export const CLAIM_REJECT = "claimReject";
/** Bump when the steps change (bot/conversations/registry.ts). */
const CLAIM_REJECT_VERSION = 1;

/** An organizer rejects a claimed entry: the reason is asked, stored and told to the volunteer. */
async function rejectClaim(conversation: BotConversation, ctx: InnerContext, entryId: number): Promise<void> {
  const { t } = ctx;
  const { db, adminIds } = ctx.deps;
  const userId = ctx.from!.id;
  const allowed = await conversation.external(async () => {
    const staff = await staffOf(db, userId, adminIds);
    return (
      (await queuedClaim(
        db,
        staff.organizations.map((o) => o.id),
        entryId,
      )) !== undefined
    );
  });
  if (!allowed) {
    await ctx.reply(t("attendance.claim_gone"), { reply_markup: backToClaims(t) });
    return;
  }
  await ctx.reply(t("attendance.reject_prompt", { max: MAX_REJECT_REASON_LENGTH }));
  const answer = await conversation
    .waitFor("message:text", { otherwise: hint("attendance.reject_hint", { max: MAX_REJECT_REASON_LENGTH }) })
    .andFrom(userId);
  const checked = cleanText(answer.message.text, { max: MAX_REJECT_REASON_LENGTH, multiline: true });
  if ("error" in checked || checked.text.startsWith("/"))
    return reject(conversation, answer, t("attendance.reject_hint", { max: MAX_REJECT_REASON_LENGTH }));
  const reason = checked.text;
  const outcome = await conversation.external(async () => {
    // Checked again: the claim may have been decided, or the organizer removed, while the reason was typed.
    const staff = await staffOf(db, userId, adminIds);
    if (
      !(await queuedClaim(
        db,
        staff.organizations.map((o) => o.id),
        entryId,
      ))
    )
      return "gone";
    try {
      await decideHours(db, entryId, userId, "rejected", new Date(), reason);
      return "rejected";
    } catch (error) {
      if (error instanceof HoursError) return error.code === "not_allowed" ? "not_allowed" : "gone";
      throw error;
    }
  });
  const key =
    outcome === "rejected"
      ? "attendance.claim_rejected"
      : outcome === "not_allowed"
        ? "attendance.not_allowed"
        : "attendance.claim_gone";
  await ctx.reply(t(key), { reply_markup: backToClaims(t) });
}

export const attendanceConversations: ConversationSpec[] = [
  defineConversation(CLAIM_REJECT, CLAIM_REJECT_VERSION, "attendance.dropped_reject", rejectClaim),
];
