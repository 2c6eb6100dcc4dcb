import { Composer, InlineKeyboard } from "grammy";
import {
  applicantState,
  applicationFor,
  decideApplication,
  hubFigures,
  invitation,
  inviteToken,
  joinByInvite,
  listMembers,
  membershipOf,
  OrganizationError,
  removeMember,
} from "../../../domain/organizations";
import { hasConsent } from "../../../domain/users";
import { cb, cbPattern, parseId } from "../../callback-data";
import type { BotContext } from "../../context";
import { type DeepLink, deepLinkUrl } from "../../deep-links";
import { requireOnboarded, requireProfile } from "../../profile";
import { showScreen } from "../../screen";
import { ORG_APPLY } from "./apply.conversation";
import { ORG_REJECT } from "./reject.conversation";
import { backToMembers, chooseOrgView, decisionLine, hubView, memberName, membersView } from "./views";

export { ORG_APPLY, applySpec } from "./apply.conversation";
export { ORG_REJECT, rejectSpec } from "./reject.conversation";

/** A refusal: an alert on a press, a line otherwise; nothing changes. */
async function refuse(ctx: BotContext, key: "organizer.forbidden" | "organizer.not_found" = "organizer.forbidden") {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t(key), show_alert: true });
  else await ctx.reply(ctx.t(key));
}

/** Takes the buttons off the pressed message (a decided application's notice), when it still has some. */
async function dropButtons(ctx: BotContext): Promise<void> {
  if (ctx.callbackQuery?.message?.reply_markup?.inline_keyboard.length) await ctx.editMessageReplyMarkup();
}

export const organizerFeature = new Composer<BotContext>();

// ----- /organize ---------------------------------------------------------------------------------------------------

organizerFeature.command("organize", async (ctx) => {
  if (!(await requireProfile(ctx))) return;
  if (!hasConsent(ctx.user)) return void (await ctx.reply(ctx.t("settings.consent_required")));
  const state = await applicantState(ctx.deps.db, ctx.from!.id, ctx.locale);
  if (state.pending) return void (await ctx.reply(ctx.t("organizer.already_pending", { name: state.pending.name })));
  const member = state.memberOf[0];
  if (member) return void (await ctx.reply(ctx.t("organizer.already_member", { name: member.name })));
  await ctx.conversation.enter(ORG_APPLY);
});

// ----- deciding an application (buttons under the outbox notice) ---------------------------------------------------

organizerFeature.callbackQuery(cbPattern("og", "ok", 1), async (ctx) => {
  const id = parseId(ctx.match[1]);
  if (id === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  let outcome: Awaited<ReturnType<typeof decideApplication>>;
  try {
    outcome = await decideApplication(
      ctx.deps.db,
      { organizationId: id, deciderId: ctx.from.id, adminIds: ctx.deps.adminIds, locale: ctx.locale },
      { approve: true },
    );
  } catch (error) {
    if (error instanceof OrganizationError)
      return refuse(ctx, error.code === "not_found" ? "organizer.not_found" : undefined);
    throw error;
  }
  await ctx.answerCallbackQuery();
  await dropButtons(ctx);
  await ctx.reply(decisionLine(ctx.t, outcome));
});

organizerFeature.callbackQuery(cbPattern("og", "no", 1), async (ctx) => {
  const id = parseId(ctx.match[1]);
  if (id === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  let application: Awaited<ReturnType<typeof applicationFor>>;
  try {
    application = await applicationFor(ctx.deps.db, id, ctx.from.id, ctx.deps.adminIds, ctx.locale);
  } catch (error) {
    if (error instanceof OrganizationError)
      return refuse(ctx, error.code === "not_found" ? "organizer.not_found" : undefined);
    throw error;
  }
  await ctx.answerCallbackQuery();
  if (application.status !== "pending") {
    await dropButtons(ctx);
    await ctx.reply(decisionLine(ctx.t, { ...application, decided: false }));
    return;
  }
  await ctx.conversation.enter(ORG_REJECT, id);
});

// ----- /org: the organizer's screen --------------------------------------------------------------------------------

async function showHub(ctx: BotContext, organizationId: number | undefined): Promise<void> {
  const { db } = ctx.deps;
  const userId = ctx.from!.id;
  const state = await applicantState(db, userId, ctx.locale);
  if (state.memberOf.length === 0) {
    if (ctx.callbackQuery && organizationId !== undefined) return refuse(ctx);
    const lines = [ctx.t("organizer.not_organizer")];
    if (state.pending) lines.push("", ctx.t("organizer.not_organizer_pending", { name: state.pending.name }));
    if (ctx.callbackQuery) await ctx.answerCallbackQuery();
    await ctx.reply(lines.join("\n"));
    return;
  }
  const org =
    organizationId === undefined
      ? state.memberOf.length === 1
        ? state.memberOf[0]
        : undefined
      : state.memberOf.find((o) => o.id === organizationId);
  if (organizationId !== undefined && !org) return refuse(ctx);
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  if (!org) {
    const view = chooseOrgView(ctx.t, state.memberOf);
    return showScreen(ctx, view.text, view.keyboard);
  }
  const figures = await hubFigures(db, org.id, ctx.locale);
  const view = hubView(ctx.t, ctx.locale, org, figures, state.memberOf.length > 1);
  if (ctx.callbackQuery) await showScreen(ctx, view.text, view.keyboard);
  else await ctx.reply(view.text, { reply_markup: view.keyboard });
}

organizerFeature.command("org", async (ctx) => {
  if (!(await requireOnboarded(ctx))) return;
  await showHub(ctx, undefined);
});

organizerFeature.callbackQuery(cbPattern("org", "h", 1), async (ctx) => {
  const id = parseId(ctx.match[1]);
  if (id === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  if (!(await requireOnboarded(ctx))) return;
  await showHub(ctx, id);
});

organizerFeature.callbackQuery(cbPattern("org", "pick"), async (ctx) => {
  if (!(await requireOnboarded(ctx))) return;
  await ctx.answerCallbackQuery();
  const state = await applicantState(ctx.deps.db, ctx.from.id, ctx.locale);
  if (state.memberOf.length === 0) return void (await ctx.reply(ctx.t("organizer.not_organizer")));
  const view = chooseOrgView(ctx.t, state.memberOf);
  await showScreen(ctx, view.text, view.keyboard);
});

// ----- members and invites -----------------------------------------------------------------------------------------

/** The organization of a members button, when the presser is a member of it (and whether they own it). */
async function memberOrg(ctx: BotContext, raw: string | undefined) {
  const id = parseId(raw);
  if (id === undefined) return undefined;
  return membershipOf(ctx.deps.db, id, ctx.from!.id, ctx.locale);
}

async function showMembers(ctx: BotContext, org: { id: number; name: string; role: string }) {
  const members = await listMembers(ctx.deps.db, org.id);
  const view = membersView(ctx.t, org, members, org.role === "owner");
  await showScreen(ctx, view.text, view.keyboard);
}

organizerFeature.callbackQuery([cbPattern("om", "list", 1), cbPattern("om", "list")], async (ctx) => {
  let org = await memberOrg(ctx, ctx.match[1]);
  if (ctx.match[1] === undefined) {
    // Without an id: the only organization the presser belongs to.
    const state = await applicantState(ctx.deps.db, ctx.from.id, ctx.locale);
    const only = state.memberOf.length === 1 ? state.memberOf[0] : undefined;
    org = only ? await membershipOf(ctx.deps.db, only.id, ctx.from.id, ctx.locale) : undefined;
  }
  if (!org) return refuse(ctx);
  await ctx.answerCallbackQuery();
  await showMembers(ctx, org);
});

organizerFeature.callbackQuery([cbPattern("om", "inv", 1), cbPattern("om", "renew", 1)], async (ctx) => {
  const org = await memberOrg(ctx, ctx.match[1]);
  if (org?.role !== "owner") return refuse(ctx);
  const renew = ctx.callbackQuery.data.startsWith("om:renew:");
  let token: string;
  try {
    token = await inviteToken(ctx.deps.db, org.id, ctx.from.id, renew);
  } catch (error) {
    if (error instanceof OrganizationError) return refuse(ctx);
    throw error;
  }
  await ctx.answerCallbackQuery(renew ? { text: ctx.t("organizer.invite_renewed") } : undefined);
  const link = deepLinkUrl(ctx.me.username, "o", token);
  await ctx.reply(ctx.t("organizer.invite_link", { name: org.name, link }), {
    reply_markup: backToMembers(ctx.t, org.id),
    link_preview_options: { is_disabled: true },
  });
});

organizerFeature.callbackQuery(cbPattern("om", "rm", 2), async (ctx) => {
  const org = await memberOrg(ctx, ctx.match[1]);
  if (org?.role !== "owner") return refuse(ctx);
  const memberId = Number(ctx.match[2]);
  const member = (await listMembers(ctx.deps.db, org.id)).find((m) => m.userId === memberId);
  if (member?.role !== "organizer") {
    return ctx.answerCallbackQuery({
      text: ctx.t(member ? "organizer.owner_cannot_leave" : "organizer.not_member"),
      show_alert: true,
    });
  }
  await ctx.answerCallbackQuery();
  await showScreen(
    ctx,
    ctx.t("organizer.remove_confirm", { who: memberName(ctx.t, member), name: org.name }),
    new InlineKeyboard()
      .text(ctx.t("organizer.btn_remove_yes"), cb("om", "rmy", org.id, member.userId))
      .text(ctx.t("organizer.btn_no"), cb("om", "list", org.id)),
  );
});

organizerFeature.callbackQuery(cbPattern("om", "rmy", 2), async (ctx) => {
  const org = await memberOrg(ctx, ctx.match[1]);
  if (org?.role !== "owner") return refuse(ctx);
  const memberId = Number(ctx.match[2]);
  if (!Number.isSafeInteger(memberId)) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const member = (await listMembers(ctx.deps.db, org.id)).find((m) => m.userId === memberId);
  let removed: boolean;
  try {
    removed = (await removeMember(ctx.deps.db, { organizationId: org.id, ownerId: ctx.from.id, memberId })).removed;
  } catch (error) {
    if (!(error instanceof OrganizationError)) throw error;
    if (error.code === "owner_cannot_leave")
      return ctx.answerCallbackQuery({ text: ctx.t("organizer.owner_cannot_leave"), show_alert: true });
    return refuse(ctx);
  }
  await ctx.answerCallbackQuery({
    text:
      removed && member
        ? ctx.t("organizer.removed", { who: memberName(ctx.t, member) })
        : ctx.t("organizer.not_member"),
  });
  await showMembers(ctx, org);
});

// ----- the invite link: o_<token> ----------------------------------------------------------------------------------

async function offerJoin(ctx: BotContext, token: string): Promise<void> {
  const org = await invitation(ctx.deps.db, token, ctx.locale);
  if (!org) return void (await ctx.reply(ctx.t("organizer.invite_invalid")));
  if (await membershipOf(ctx.deps.db, org.id, ctx.from!.id, ctx.locale))
    return void (await ctx.reply(ctx.t("organizer.invite_already", { name: org.name })));
  await ctx.reply(ctx.t("organizer.invite_question", { name: org.name }), {
    reply_markup: new InlineKeyboard()
      .text(ctx.t("organizer.btn_join_yes"), cb("oj", "y", token))
      .text(ctx.t("organizer.btn_no"), cb("oj", "n")),
  });
}

export const inviteDeepLink: DeepLink = {
  prefix: "o",
  needsOnboarding: true,
  open: (ctx, token) => offerJoin(ctx, token),
  continueButton: (t, token) => ({ text: t("organizer.invite_continue"), data: cb("oj", "open", token) }),
};

organizerFeature.callbackQuery(cbPattern("oj", "open", 1), async (ctx) => {
  if (!(await requireOnboarded(ctx))) return;
  await ctx.answerCallbackQuery();
  await offerJoin(ctx, ctx.match[1]!);
});

organizerFeature.callbackQuery(cbPattern("oj", "y", 1), async (ctx) => {
  if (!(await requireOnboarded(ctx))) return;
  try {
    const org = await joinByInvite(ctx.deps.db, ctx.match[1]!, ctx.from.id, ctx.locale);
    await ctx.answerCallbackQuery();
    await showScreen(ctx, ctx.t("organizer.invite_joined", { name: org.name }));
  } catch (error) {
    if (!(error instanceof OrganizationError)) throw error;
    await ctx.answerCallbackQuery();
    const org = await invitation(ctx.deps.db, ctx.match[1]!, ctx.locale);
    await showScreen(
      ctx,
      error.code === "already_member" && org
        ? ctx.t("organizer.invite_already", { name: org.name })
        : ctx.t("organizer.invite_invalid"),
    );
  }
});

organizerFeature.callbackQuery(cbPattern("oj", "n"), async (ctx) => {
  await ctx.answerCallbackQuery();
  await showScreen(ctx, ctx.t("organizer.invite_declined"));
});
