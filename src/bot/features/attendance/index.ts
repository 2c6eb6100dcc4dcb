import { Composer, InputFile } from "grammy";
import QRCode from "qrcode";
import { manageableAction, type Staff, staffOf } from "../../../domain/access";
import {
  actionsOfToday,
  attendanceList,
  CHECKIN_OPENS_BEFORE_MS,
  checkIn,
  checkinTokenOf,
  confirmAttendance,
  participantsForExport,
  toggleAttendance,
} from "../../../domain/attendance";
import {
  claimOfOrganizations,
  confirmAllClaims,
  countPendingClaims,
  pendingClaims,
  queuedClaim,
} from "../../../domain/claims";
import { decideHours, HoursError } from "../../../domain/hours";
import { pick } from "../../../domain/localized";
import { clipChars } from "../../../domain/text";
import { formatDateTime, formatTime } from "../../../i18n/format";
import { cb, cbPattern, parseId } from "../../callback-data";
import type { BotContext } from "../../context";
import { type DeepLink, deepLinkUrl } from "../../deep-links";
import { EXPENSIVE } from "../../middleware/rate-limit";
import { showScreen } from "../../screen";
import { CLAIM_REJECT } from "./reject.conversation";
import {
  ATTENDANCE_PAGE,
  attendanceView,
  CLAIMS_PAGE,
  clampPage,
  claimsView,
  confirmAllView,
  participantsCsv,
  qrCaption,
  todayKeyboard,
} from "./views";

export { attendanceConversations, CLAIM_REJECT } from "./reject.conversation";

const CHECKIN_PREFIX = "c";

/** A Telegram user id from callback data: a positive safe integer. */
function parseUserId(raw: string | undefined): number | undefined {
  return raw && /^[1-9]\d{0,15}$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : undefined;
}

/** A refusal: a toast for a button, a message for a command; nothing changes. */
async function refuse(
  ctx: BotContext,
  key: "attendance.not_allowed" | "attendance.not_organizer" | "common.stale_button",
) {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t(key), show_alert: key !== "common.stale_button" });
  else await ctx.reply(ctx.t(key));
}

const staff = (ctx: BotContext) => staffOf(ctx.deps.db, ctx.from!.id, ctx.deps.adminIds);
const organizationIds = (who: Staff) => who.organizations.map((o) => o.id);

/** The action of the button when the presser may manage it, else a refusal and undefined. */
async function managedAction(ctx: BotContext, raw: string | undefined) {
  const actionId = parseId(raw);
  if (actionId === undefined) return void (await refuse(ctx, "common.stale_button"));
  const action = await manageableAction(ctx.deps.db, await staff(ctx), actionId);
  if (!action) return void (await refuse(ctx, "attendance.not_allowed"));
  return { ...action, title: pick(action.titleKk, action.titleRu, ctx.locale) };
}

/** Staff who act for at least one organization, else a refusal and undefined. */
async function organizer(ctx: BotContext): Promise<Staff | undefined> {
  const who = await staff(ctx);
  if (who.organizations.length > 0) return who;
  await refuse(ctx, "attendance.not_organizer");
  return undefined;
}

export const attendanceFeature = new Composer<BotContext>();
const onboarded = attendanceFeature.filter((ctx) => Boolean(ctx.user?.onboardedAt));
attendanceFeature.command(["checkin", "claims"], (ctx) => ctx.reply(ctx.t("common.start_first")));

// ----- the check-in QR code ---------------------------------------------------------------------------------------

onboarded.command("checkin", async (ctx) => {
  const who = await organizer(ctx);
  if (!who) return;
  const today = await actionsOfToday(ctx.deps.db, organizationIds(who), ctx.locale);
  if (today.length === 0) return void (await ctx.reply(ctx.t("attendance.checkin_none_today")));
  await ctx.reply(ctx.t("attendance.checkin_pick"), { reply_markup: todayKeyboard(today, ctx.locale) });
});

onboarded.callbackQuery(cbPattern("ck", "qr", 1), async (ctx) => {
  const action = await managedAction(ctx, ctx.match[1]);
  if (!action) return;
  if (action.status === "cancelled") {
    return void (await ctx.answerCallbackQuery({ text: ctx.t("attendance.action_cancelled"), show_alert: true }));
  }
  await EXPENSIVE.checkinQr(ctx, async () => {
    await ctx.answerCallbackQuery();
    const token = await checkinTokenOf(ctx.deps.db, action.id);
    const link = deepLinkUrl(ctx.me.username, CHECKIN_PREFIX, token);
    const png = await QRCode.toBuffer(link, { type: "png", errorCorrectionLevel: "M", margin: 2, width: 640 });
    const opensAt = new Date(action.startsAt.getTime() - CHECKIN_OPENS_BEFORE_MS);
    await ctx.replyWithPhoto(new InputFile(png, `checkin-${action.id}.png`), {
      caption: qrCaption(ctx.t, ctx.locale, action, opensAt, link),
    });
  });
});

/** Opens the check-in for the user (the deep link, or the button after onboarding). */
async function openCheckin(ctx: BotContext, token: string): Promise<void> {
  const { t, locale } = ctx;
  const result = await checkIn(ctx.deps.db, token, ctx.from!.id);
  if (result.status === "invalid") return void (await ctx.reply(t("attendance.code_invalid")));
  const title = clipChars(pick(result.action.titleKk, result.action.titleRu, locale), 200);
  switch (result.status) {
    case "checked_in":
      await ctx.reply(t(result.walkIn ? "attendance.checked_in_walk_in" : "attendance.checked_in", { title }));
      return;
    case "already":
      await ctx.reply(t("attendance.already_checked_in", { title, time: formatTime(result.at, locale) }));
      return;
    case "cancelled":
      await ctx.reply(t("attendance.checkin_cancelled", { title }));
      return;
    case "too_early":
    case "ended":
      await ctx.reply(
        t(result.status === "too_early" ? "attendance.checkin_too_early" : "attendance.checkin_ended", {
          title,
          opens: formatDateTime(result.opensAt, locale),
          ends: formatDateTime(result.action.endsAt, locale),
        }),
      );
      return;
    case "not_joined":
      await ctx.reply(t("attendance.checkin_not_joined", { title }));
      return;
    case "full":
      await ctx.reply(t("attendance.checkin_full", { title }));
      return;
  }
}

export const checkinDeepLink: DeepLink = {
  prefix: CHECKIN_PREFIX,
  needsOnboarding: true,
  open: openCheckin,
  continueButton: (t, arg) =>
    /^[A-Za-z0-9_-]{24}$/.test(arg) ? { text: t("attendance.btn_check_in"), data: cb("ck", "in", arg) } : undefined,
};

onboarded.callbackQuery(cbPattern("ck", "in", 1), async (ctx) => {
  await ctx.answerCallbackQuery();
  await openCheckin(ctx, ctx.match[1]!);
});

// ----- attendance -------------------------------------------------------------------------------------------------

async function showAttendance(
  ctx: BotContext,
  action: { id: number; title: string; startsAt: Date; hours: number },
  page: number,
) {
  const list = await attendanceList(ctx.deps.db, action.id);
  const view = attendanceView(ctx.t, ctx.locale, action, list, clampPage(page, list.length, ATTENDANCE_PAGE));
  await showScreen(ctx, view.text, view.keyboard);
}

onboarded.callbackQuery([cbPattern("ck", "att", 1), cbPattern("ck", "ap", 2)], async (ctx) => {
  const action = await managedAction(ctx, ctx.match[1]);
  if (!action) return;
  await ctx.answerCallbackQuery();
  await showAttendance(ctx, action, Number(ctx.match[2] ?? 0) || 0);
});

onboarded.callbackQuery(cbPattern("ck", "t", 3), async (ctx) => {
  const userId = parseUserId(ctx.match[2]);
  if (userId === undefined) return refuse(ctx, "common.stale_button");
  const action = await managedAction(ctx, ctx.match[1]);
  if (!action) return;
  if (action.status === "cancelled") {
    return void (await ctx.answerCallbackQuery({ text: ctx.t("attendance.action_cancelled"), show_alert: true }));
  }
  const result = await toggleAttendance(ctx.deps.db, action.id, userId);
  if (result === "not_participant") return refuse(ctx, "common.stale_button");
  await ctx.answerCallbackQuery(result === "credited" ? { text: ctx.t("attendance.already_credited") } : undefined);
  await showAttendance(ctx, action, Number(ctx.match[3]) || 0);
});

onboarded.callbackQuery(cbPattern("ck", "ok", 1), async (ctx) => {
  const action = await managedAction(ctx, ctx.match[1]);
  if (!action) return;
  const result = await confirmAttendance(ctx.deps.db, action.id, ctx.from!.id);
  if (result.status === "refused") {
    const key = (
      {
        not_started: "attendance.confirm_not_started",
        without_hours: "attendance.confirm_without_hours",
        cancelled: "attendance.action_cancelled",
        not_allowed: "attendance.not_allowed",
      } as const
    )[result.reason];
    return void (await ctx.answerCallbackQuery({ text: ctx.t(key), show_alert: true }));
  }
  await ctx.answerCallbackQuery();
  await showAttendance(ctx, action, 0);
  await ctx.reply(
    ctx.t("attendance.confirmed", {
      title: clipChars(action.title, 200),
      credited: result.credited,
      already: result.alreadyCredited,
      noShows: result.noShows,
    }),
  );
});

// ----- participants as CSV ----------------------------------------------------------------------------------------

onboarded.callbackQuery(cbPattern("ck", "csv", 1), async (ctx) => {
  const action = await managedAction(ctx, ctx.match[1]);
  if (!action) return;
  await EXPENSIVE.participants(ctx, async () => {
    const rows = await participantsForExport(ctx.deps.db, action.id);
    if (rows.length === 0) {
      return void (await ctx.answerCallbackQuery({ text: ctx.t("attendance.csv_empty"), show_alert: true }));
    }
    await ctx.answerCallbackQuery();
    await ctx.replyWithDocument(
      new InputFile(participantsCsv(ctx.t, ctx.locale, rows), `participants-${action.id}.csv`),
      {
        caption: ctx.t("attendance.csv_caption", { title: clipChars(action.title, 200), count: rows.length }),
      },
    );
  });
});

// ----- the queue of claimed hours ---------------------------------------------------------------------------------

async function showClaims(ctx: BotContext, who: Staff, page: number) {
  const ids = organizationIds(who);
  const total = await countPendingClaims(ctx.deps.db, ids);
  const current = clampPage(page, total, CLAIMS_PAGE);
  const claims = await pendingClaims(ctx.deps.db, ids, ctx.locale, {
    offset: current * CLAIMS_PAGE,
    limit: CLAIMS_PAGE,
  });
  const view = claimsView(ctx.t, ctx.locale, claims, total, current);
  if (ctx.callbackQuery) await showScreen(ctx, view.text, view.keyboard);
  else await ctx.reply(view.text, { reply_markup: view.keyboard });
}

onboarded.command("claims", async (ctx) => {
  const who = await organizer(ctx);
  if (who) await showClaims(ctx, who, 0);
});

onboarded.callbackQuery([cbPattern("hq", "list"), cbPattern("hq", "p", 1)], async (ctx) => {
  const who = await organizer(ctx);
  if (!who) return;
  await ctx.answerCallbackQuery();
  await showClaims(ctx, who, Number(ctx.match[1] ?? 0) || 0);
});

onboarded.callbackQuery(cbPattern("hq", "c", 2), async (ctx) => {
  const entryId = parseId(ctx.match[1]);
  if (entryId === undefined) return refuse(ctx, "common.stale_button");
  const who = await organizer(ctx);
  if (!who) return;
  const claim = await claimOfOrganizations(ctx.deps.db, organizationIds(who), entryId);
  if (!claim) return refuse(ctx, "attendance.not_allowed");
  if (claim.status !== "pending") {
    await ctx.answerCallbackQuery({ text: ctx.t("attendance.claim_gone") });
  } else {
    try {
      await decideHours(ctx.deps.db, entryId, who.userId, "confirmed");
      await ctx.answerCallbackQuery({ text: ctx.t("attendance.claim_confirmed") });
    } catch (error) {
      if (!(error instanceof HoursError)) throw error;
      const key = error.code === "not_allowed" ? "attendance.not_allowed" : "attendance.claim_gone";
      await ctx.answerCallbackQuery({ text: ctx.t(key), show_alert: true });
    }
  }
  await showClaims(ctx, who, Number(ctx.match[2]) || 0);
});

onboarded.callbackQuery(cbPattern("hq", "r", 1), async (ctx) => {
  const entryId = parseId(ctx.match[1]);
  if (entryId === undefined) return refuse(ctx, "common.stale_button");
  const who = await organizer(ctx);
  if (!who) return;
  const claim = await claimOfOrganizations(ctx.deps.db, organizationIds(who), entryId);
  if (!claim) return refuse(ctx, "attendance.not_allowed");
  if (!(await queuedClaim(ctx.deps.db, organizationIds(who), entryId))) {
    return void (await ctx.answerCallbackQuery({ text: ctx.t("attendance.claim_gone") }));
  }
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(CLAIM_REJECT, entryId);
});

onboarded.callbackQuery(cbPattern("hq", "all"), async (ctx) => {
  const who = await organizer(ctx);
  if (!who) return;
  const total = await countPendingClaims(ctx.deps.db, organizationIds(who));
  await ctx.answerCallbackQuery();
  if (total === 0) return showClaims(ctx, who, 0);
  const view = confirmAllView(ctx.t, total);
  await showScreen(ctx, view.text, view.keyboard);
});

onboarded.callbackQuery(cbPattern("hq", "ally"), async (ctx) => {
  const who = await organizer(ctx);
  if (!who) return;
  const confirmed = await confirmAllClaims(ctx.deps.db, organizationIds(who), who.userId);
  await ctx.answerCallbackQuery({ text: ctx.t("attendance.all_confirmed", { count: confirmed }) });
  await showClaims(ctx, who, 0);
});
