import { Composer, InlineKeyboard, InputFile, type MiddlewareFn } from "grammy";
import { coordinates, staffOf } from "../../../domain/access";
import { barChartSpec } from "../../../domain/charts";
import { renderChartPngOffThread } from "../../../domain/charts-off-thread";
import {
  acceptCoordinatorInvite,
  coordinatorInvite,
  createCoordinatorInvite,
  FrontOfficeError,
  listCoordinators,
  removeCoordinator,
} from "../../../domain/front-office";
import { regionDetails, regionFigures } from "../../../domain/stats";
import { cb, cbPattern } from "../../callback-data";
import type { BotContext } from "../../context";
import { type DeepLink, deepLinkUrl } from "../../deep-links";
import { EXPENSIVE } from "../../middleware/rate-limit";
import { requireOnboarded } from "../../profile";
import { showScreen } from "../../screen";
import { FO_ANNOUNCE } from "./announce.conversation";
import { FO_APPOINT } from "./appoint.conversation";
import {
  categoriesChart,
  monthsChart,
  personName,
  regionButtons,
  regionName,
  regionStatsText,
  regionsChart,
  regionsTable,
  statsCsv,
  totalFigures,
} from "./views";

export { announceSpec, FO_ANNOUNCE } from "./announce.conversation";
export { appointSpec, FO_APPOINT } from "./appoint.conversation";

type RefusalKey = "front_office.forbidden" | "front_office.forbidden_staff" | "front_office.forbidden_region";

/** A refusal: an alert on a press, a line otherwise; nothing changes. */
async function refuse(ctx: BotContext, key: RefusalKey = "front_office.forbidden") {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t(key), show_alert: true });
  else await ctx.reply(ctx.t(key));
}

const isAdmin = (ctx: BotContext) => ctx.deps.adminIds.has(ctx.from!.id);
/** A Telegram user id from callback data (user input). */
const userIdOf = (raw: string | undefined) => (raw && /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : undefined);

export const frontOfficeFeature = new Composer<BotContext>();

// ----- /appoint, /coordinators (national admins) -------------------------------------------------------------------

frontOfficeFeature.command("appoint", async (ctx) => {
  if (!isAdmin(ctx)) return refuse(ctx);
  await ctx.reply(ctx.t("front_office.appoint_region"), {
    reply_markup: regionButtons(ctx.deps.regions, ctx.locale, "ar"),
  });
});

frontOfficeFeature.callbackQuery(cbPattern("fo", "ar", 1), async (ctx) => {
  if (!isAdmin(ctx)) return refuse(ctx);
  const code = ctx.match[1]!;
  if (!ctx.deps.regions.get(code)) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t("front_office.appoint_how", { region: regionName(ctx.deps.regions, code, ctx.locale) }), {
    reply_markup: new InlineKeyboard().text(ctx.t("front_office.btn_invite"), cb("fo", "inv", code)),
  });
  await ctx.conversation.enter(FO_APPOINT, code);
});

frontOfficeFeature.callbackQuery(cbPattern("fo", "inv", 1), async (ctx) => {
  if (!isAdmin(ctx)) return refuse(ctx);
  const code = ctx.match[1]!;
  if (!ctx.deps.regions.get(code)) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const token = await createCoordinatorInvite(ctx.deps.db, {
    adminId: ctx.from.id,
    adminIds: ctx.deps.adminIds,
    regionCode: code,
  });
  await ctx.answerCallbackQuery();
  await ctx.reply(
    ctx.t("front_office.invite_link", {
      region: regionName(ctx.deps.regions, code, ctx.locale),
      link: deepLinkUrl(ctx.me.username, "f", token),
    }),
    { link_preview_options: { is_disabled: true } },
  );
});

async function showCoordinators(ctx: BotContext) {
  const { regions } = ctx.deps;
  const list = await listCoordinators(ctx.deps.db);
  if (list.length === 0) return showScreen(ctx, ctx.t("front_office.coordinators_none"));
  const kb = new InlineKeyboard();
  const lines = [ctx.t("front_office.coordinators_title"), ""];
  for (const c of list) {
    const region = regionName(regions, c.regionCode, ctx.locale);
    const who = personName(c);
    lines.push(ctx.t("front_office.coordinators_line", { region, who }));
    kb.text(ctx.t("front_office.btn_remove", { who, region }), cb("fo", "rm", c.userId, c.regionCode)).row();
  }
  await showScreen(ctx, lines.join("\n"), kb);
}

frontOfficeFeature.command("coordinators", async (ctx) => {
  if (!isAdmin(ctx)) return refuse(ctx);
  await showCoordinators(ctx);
});

frontOfficeFeature.callbackQuery(cbPattern("fo", "list"), async (ctx) => {
  if (!isAdmin(ctx)) return refuse(ctx);
  await ctx.answerCallbackQuery();
  await showCoordinators(ctx);
});

/** The coordinator a Remove button names, when the presser is an admin and the person still coordinates there. */
async function coordinatorOf(ctx: BotContext, match: readonly (string | undefined)[]) {
  const userId = userIdOf(match[1]);
  const code = match[2] ?? "";
  if (userId === undefined || !ctx.deps.regions.get(code)) return undefined;
  return (await listCoordinators(ctx.deps.db, code)).find((c) => c.userId === userId);
}

frontOfficeFeature.callbackQuery(cbPattern("fo", "rm", 2), async (ctx) => {
  if (!isAdmin(ctx)) return refuse(ctx);
  const c = await coordinatorOf(ctx, [ctx.match[0], ctx.match[1], ctx.match[2]]);
  if (!c) return ctx.answerCallbackQuery({ text: ctx.t("front_office.remove_gone"), show_alert: true });
  await ctx.answerCallbackQuery();
  const region = regionName(ctx.deps.regions, c.regionCode, ctx.locale);
  await showScreen(
    ctx,
    ctx.t("front_office.remove_confirm", { who: personName(c), region }),
    new InlineKeyboard()
      .text(ctx.t("front_office.btn_remove_yes"), cb("fo", "rmy", c.userId, c.regionCode))
      .text(ctx.t("front_office.btn_no"), cb("fo", "list")),
  );
});

frontOfficeFeature.callbackQuery(cbPattern("fo", "rmy", 2), async (ctx) => {
  if (!isAdmin(ctx)) return refuse(ctx);
  const c = await coordinatorOf(ctx, [ctx.match[0], ctx.match[1], ctx.match[2]]);
  const removed =
    c !== undefined &&
    (await removeCoordinator(ctx.deps.db, {
      adminId: ctx.from.id,
      adminIds: ctx.deps.adminIds,
      userId: c.userId,
      regionCode: c.regionCode,
    }));
  if (!c || !removed) return ctx.answerCallbackQuery({ text: ctx.t("front_office.remove_gone"), show_alert: true });
  await ctx.answerCallbackQuery();
  await showScreen(
    ctx,
    ctx.t("front_office.removed", {
      who: personName(c),
      region: regionName(ctx.deps.regions, c.regionCode, ctx.locale),
    }),
  );
});

// ----- the invite link f_<token> -----------------------------------------------------------------------------------

async function offerCoordination(ctx: BotContext, token: string) {
  const invite = await coordinatorInvite(ctx.deps.db, token);
  if (!invite) return void (await ctx.reply(ctx.t("front_office.invite_invalid")));
  await ctx.reply(
    ctx.t("front_office.invite_question", { region: regionName(ctx.deps.regions, invite.regionCode, ctx.locale) }),
    {
      reply_markup: new InlineKeyboard()
        .text(ctx.t("front_office.btn_yes"), cb("fo", "ja", token))
        .text(ctx.t("front_office.btn_no"), cb("fo", "jn")),
    },
  );
}

export const coordinatorDeepLink: DeepLink = {
  prefix: "f",
  needsOnboarding: true,
  open: (ctx, token) => offerCoordination(ctx, token),
  continueButton: (t, token) => ({ text: t("front_office.invite_continue"), data: cb("fo", "jo", token) }),
};

frontOfficeFeature.callbackQuery(cbPattern("fo", "jo", 1), async (ctx) => {
  if (!(await requireOnboarded(ctx))) return;
  await ctx.answerCallbackQuery();
  await offerCoordination(ctx, ctx.match[1]!);
});

frontOfficeFeature.callbackQuery(cbPattern("fo", "ja", 1), async (ctx) => {
  if (!(await requireOnboarded(ctx))) return;
  await ctx.answerCallbackQuery();
  try {
    const { regionCode } = await acceptCoordinatorInvite(ctx.deps.db, ctx.match[1]!, ctx.from.id);
    await showScreen(
      ctx,
      ctx.t("front_office.invite_accepted", { region: regionName(ctx.deps.regions, regionCode, ctx.locale) }),
    );
  } catch (error) {
    if (!(error instanceof FrontOfficeError)) throw error;
    await showScreen(
      ctx,
      ctx.t(error.code === "already" ? "front_office.invite_already" : "front_office.invite_invalid"),
    );
  }
});

frontOfficeFeature.callbackQuery(cbPattern("fo", "jn"), async (ctx) => {
  await ctx.answerCallbackQuery();
  await showScreen(ctx, ctx.t("front_office.invite_declined"));
});

// ----- /stats ------------------------------------------------------------------------------------------------------

/** The regions the user may see: all for an admin, their own for a coordinator, none for anyone else. */
async function statsScope(ctx: BotContext) {
  const staff = await staffOf(ctx.deps.db, ctx.from!.id, ctx.deps.adminIds);
  return { staff, codes: staff.admin ? ctx.deps.regions.all.map((r) => r.code) : staff.regions };
}

async function sendChart(ctx: BotContext, chart: Parameters<typeof barChartSpec>[0], name: string) {
  const png = await renderChartPngOffThread(barChartSpec(chart));
  await ctx.replyWithPhoto(new InputFile(png, `${name}.png`));
}

async function sendStats(ctx: BotContext, code: string | "all") {
  const { db, regions } = ctx.deps;
  const { t, locale } = ctx;
  const now = new Date();
  const keyboard = new InlineKeyboard().text(t("front_office.btn_csv"), cb("fo", "csv", code));
  if (code === "all") {
    const [all, details] = await Promise.all([regionFigures(db, now), regionDetails(db, null, now)]);
    const totals = totalFigures(all);
    const title = t("front_office.stats_all_title");
    const text = [regionStatsText(t, locale, title, totals, details), "", regionsTable(t, locale, regions, all)];
    await ctx.reply(text.join("\n"), { reply_markup: keyboard });
    const place = t("front_office.btn_all_regions");
    await sendChart(ctx, regionsChart(t, locale, regions, all), "regions");
    await sendChart(ctx, monthsChart(t, locale, details, place), "months");
    await sendChart(ctx, categoriesChart(t, details, place), "categories");
    return;
  }
  const [[figures], details] = await Promise.all([regionFigures(db, now, code), regionDetails(db, code, now)]);
  const place = regionName(regions, code, locale);
  const title = t("front_office.stats_title", { region: place });
  await ctx.reply(regionStatsText(t, locale, title, figures!, details), { reply_markup: keyboard });
  await sendChart(ctx, monthsChart(t, locale, details, place), "months");
  await sendChart(ctx, categoriesChart(t, details, place), "categories");
}

function chooseRegion(ctx: BotContext, codes: string[], admin: boolean) {
  const kb = regionButtons(ctx.deps.regions, ctx.locale, "st", codes);
  if (admin) kb.text(ctx.t("front_office.btn_all_regions"), cb("fo", "st", "all"));
  return ctx.reply(ctx.t("front_office.stats_choose"), { reply_markup: kb });
}

/** Refuses before the rate limit counts: someone who may not see statistics is told so, not "one moment". */
const statsAllowed: MiddlewareFn<BotContext> = async (ctx, next) => {
  const data = ctx.callbackQuery?.data;
  if (data) {
    const target = await statsTarget(ctx, ["", data.split(":")[2]]);
    if ("refusal" in target) return refuse(ctx, target.refusal);
  } else if ((await statsScope(ctx)).codes.length === 0) return refuse(ctx, "front_office.forbidden_staff");
  await next();
};

frontOfficeFeature.command("stats", statsAllowed, EXPENSIVE.stats, async (ctx) => {
  const { staff, codes } = await statsScope(ctx);
  if (codes.length === 0) return refuse(ctx, "front_office.forbidden_staff");
  if (staff.admin) {
    await sendStats(ctx, "all");
    await chooseRegion(ctx, codes, false);
    return;
  }
  if (codes.length === 1) return sendStats(ctx, codes[0]!);
  await chooseRegion(ctx, codes, false);
});

/** The region (or "all") of a stats button, when the presser may see it. */
async function statsTarget(ctx: BotContext, match: readonly (string | undefined)[]) {
  const code = match[1] ?? "";
  const { staff, codes } = await statsScope(ctx);
  if (codes.length === 0) return { refusal: "front_office.forbidden_staff" as const };
  if (code === "all") return staff.admin ? { code } : { refusal: "front_office.forbidden_region" as const };
  if (!ctx.deps.regions.get(code) || !coordinates(staff, code))
    return { refusal: "front_office.forbidden_region" as const };
  return { code };
}

frontOfficeFeature.callbackQuery(cbPattern("fo", "st", 1), statsAllowed, EXPENSIVE.stats, async (ctx) => {
  const target = await statsTarget(ctx, [ctx.match[0], ctx.match[1]]);
  if ("refusal" in target) return refuse(ctx, target.refusal);
  await ctx.answerCallbackQuery();
  await sendStats(ctx, target.code);
});

frontOfficeFeature.callbackQuery(cbPattern("fo", "csv", 1), statsAllowed, EXPENSIVE.statsCsv, async (ctx) => {
  const target = await statsTarget(ctx, [ctx.match[0], ctx.match[1]]);
  if ("refusal" in target) return refuse(ctx, target.refusal);
  await ctx.answerCallbackQuery();
  const { db, regions } = ctx.deps;
  const now = new Date();
  const code = target.code;
  const all = code === "all" ? await regionFigures(db, now) : undefined;
  const figures = all ? totalFigures(all) : (await regionFigures(db, now, code))[0]!;
  const details = await regionDetails(db, code === "all" ? null : code, now);
  const place = code === "all" ? ctx.t("front_office.btn_all_regions") : regionName(regions, code, ctx.locale);
  const csv = statsCsv(ctx.t, ctx.locale, regions, place, figures, details, all);
  await ctx.replyWithDocument(new InputFile(csv, `stats-${code}.csv`));
});

// ----- /announce ---------------------------------------------------------------------------------------------------

frontOfficeFeature.command("announce", async (ctx) => {
  if (!(await requireOnboarded(ctx))) return;
  const { codes } = await statsScope(ctx);
  if (codes.length === 0) return refuse(ctx, "front_office.forbidden_staff");
  if (codes.length === 1) return ctx.conversation.enter(FO_ANNOUNCE, codes[0]!);
  await ctx.reply(ctx.t("front_office.announce_region"), {
    reply_markup: regionButtons(ctx.deps.regions, ctx.locale, "an", codes),
  });
});

frontOfficeFeature.callbackQuery(cbPattern("fo", "an", 1), async (ctx) => {
  const { staff, codes } = await statsScope(ctx);
  if (codes.length === 0) return refuse(ctx, "front_office.forbidden_staff");
  const code = ctx.match[1]!;
  if (!ctx.deps.regions.get(code) || !coordinates(staff, code)) return refuse(ctx, "front_office.forbidden_region");
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(FO_ANNOUNCE, code);
});
