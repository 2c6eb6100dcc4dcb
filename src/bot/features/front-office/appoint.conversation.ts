import { appointCoordinator, appointable, FrontOfficeError } from "../../../domain/front-office";
import type { BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";
import { regionName } from "./views";

export const FO_APPOINT = "foAppoint";
/** Bump when the steps change (bot/conversations/registry.ts). */
const FO_APPOINT_VERSION = 1;

/**
 * An admin appoints a coordinator of a region (chosen with a button before): by the person's contact (a Telegram
 * contact carries the user id) or by a forwarded message of theirs (forward_origin "user"; a hidden sender is
 * explained). The question with the invite link button is sent before it starts (by the region button's handler), so
 * that button is another message's: pressing it leaves the conversation and makes a link instead.
 */
async function appointConversation(conversation: BotConversation, ctx: InnerContext, regionCode: string) {
  const { t, locale } = ctx;
  const { db, adminIds, regions } = ctx.deps;
  const adminId = ctx.from!.id;
  if (!adminIds.has(adminId) || !regions.get(regionCode)) return void (await ctx.reply(t("front_office.forbidden")));
  const region = regionName(regions, regionCode, locale);
  let personId: number | undefined;
  while (personId === undefined) {
    const answer = await conversation
      .waitFor("message", { otherwise: hint("front_office.appoint_hint") })
      .andFrom(adminId);
    const message = answer.message;
    const origin = message.forward_origin;
    if (message.contact) {
      if (!message.contact.user_id) await reject(conversation, answer, t("front_office.appoint_contact_no_id"));
      personId = message.contact.user_id;
    } else if (origin) {
      if (origin.type !== "user") await reject(conversation, answer, t("front_office.appoint_hidden"));
      else personId = origin.sender_user.id;
    } else await reject(conversation, answer, t("front_office.appoint_hint"));
  }
  const id = personId;
  const outcome = await conversation.external(async () => {
    const person = await appointable(db, id);
    if (!person) return { error: "not_user" as const };
    try {
      const added = await appointCoordinator(db, { adminId, adminIds, userId: id, regionCode });
      return { added, who: person.firstName ?? (person.username ? `@${person.username}` : String(id)) };
    } catch (error) {
      if (error instanceof FrontOfficeError) return { error: error.code };
      throw error;
    }
  });
  if ("error" in outcome)
    return void (await ctx.reply(
      t(outcome.error === "not_user" ? "front_office.appoint_not_user" : "front_office.forbidden"),
    ));
  await ctx.reply(
    t(outcome.added ? "front_office.appointed" : "front_office.appointed_already", { who: outcome.who, region }),
  );
}

export const appointSpec: ConversationSpec = defineConversation(
  FO_APPOINT,
  FO_APPOINT_VERSION,
  "front_office.dropped_appoint",
  appointConversation,
);
