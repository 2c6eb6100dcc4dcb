import { Composer } from "grammy";
import {
  type Browse,
  findNearbyActions,
  getBrowse,
  isPeriod,
  takeLocationRequest,
  updateBrowse,
} from "../../../domain/actions";
import { isCategory } from "../../../domain/categories";
import { type GeoPoint, hasConsent, isValidPoint } from "../../../domain/users";
import { cbPattern } from "../../callback-data";
import type { BotContext } from "../../context";
import { showScreen } from "../../screen";
import { filtersView, listView, MAX_PAGE, originKeyboard, PAGE_SIZE, type Screen } from "./views";

// ----- search origin ------------------------------------------------------------------------------

function regionCenter(ctx: BotContext): { point: GeoPoint; name: string } | undefined {
  const region = hasConsent(ctx.user) ? ctx.deps.regions.get(ctx.user?.regionCode) : undefined;
  return (
    region && {
      point: { latitude: region.latitude, longitude: region.longitude },
      name: ctx.deps.regions.name(region, ctx.locale),
    }
  );
}

function savedLocation(ctx: BotContext): GeoPoint | undefined {
  const user = ctx.user;
  return hasConsent(user) && user?.latitude != null && user.longitude != null
    ? { latitude: user.latitude, longitude: user.longitude }
    : undefined;
}

/** Asks where to search: a location, the region's center or the stored location; the next location is for the search. */
async function askOrigin(ctx: BotContext): Promise<void> {
  await updateBrowse(ctx.deps.db, ctx.from!.id, { awaitingLocation: true });
  const keyboard = originKeyboard(ctx.t, {
    regionCenter: Boolean(regionCenter(ctx)),
    savedLocation: Boolean(savedLocation(ctx)),
  });
  await ctx.reply(ctx.t("actions.ask_location"), { reply_markup: keyboard });
}

async function searchFrom(ctx: BotContext, origin: GeoPoint, announcement: string): Promise<void> {
  const browse = await updateBrowse(ctx.deps.db, ctx.from!.id, { origin, page: 0, awaitingLocation: false });
  await ctx.reply(announcement, { reply_markup: { remove_keyboard: true } });
  const list = await renderList(ctx, browse);
  await ctx.reply(list.text, { reply_markup: list.keyboard });
}

// ----- the list -----------------------------------------------------------------------------------

/** One more than a page is loaded, so the view knows whether there is a next page. */
async function renderList(ctx: BotContext, browse: Browse): Promise<Screen> {
  const rows = await findNearbyActions(ctx.deps.db, {
    ...browse.origin!,
    category: browse.category,
    period: browse.period,
    limit: PAGE_SIZE + 1,
    offset: browse.page * PAGE_SIZE,
    locale: ctx.locale,
  });
  return listView(ctx, browse, rows);
}

/** Shows the list in the pressed message; without a search origin (a new session) asks for one instead. */
async function showListInPlace(ctx: BotContext, browse: Browse): Promise<void> {
  if (!browse.origin) {
    await ctx.answerCallbackQuery();
    return askOrigin(ctx);
  }
  await ctx.answerCallbackQuery();
  const list = await renderList(ctx, browse);
  await showScreen(ctx, list.text, list.keyboard);
}

// ----- handlers (for onboarded users; bot/features/actions/index.ts) ------------------------------

/** Finding actions nearby: the origin, the list's pages and its filters. */
export const searchHandlers = new Composer<BotContext>();

searchHandlers.command("actions", (ctx) => askOrigin(ctx));
searchHandlers.callbackQuery(cbPattern("m", "nearby"), async (ctx) => {
  await ctx.answerCallbackQuery();
  await askOrigin(ctx);
});
searchHandlers.callbackQuery(cbPattern("a", "new"), async (ctx) => {
  await ctx.answerCallbackQuery();
  await askOrigin(ctx);
});

/** A location is a search origin only when the bot has just asked for one; otherwise settings stores it. */
searchHandlers.on("message:location", async (ctx, next) => {
  if (!(await takeLocationRequest(ctx.deps.db, ctx.from.id))) return next();
  const { latitude, longitude } = ctx.message.location;
  if (!isValidPoint({ latitude, longitude })) return ctx.reply(ctx.t("settings.location_invalid"));
  await searchFrom(ctx, { latitude, longitude }, ctx.t("actions.origin_location"));
});

searchHandlers.on("message:text", async (ctx, next) => {
  const text = ctx.message.text;
  const center = text === ctx.t("actions.btn_region_center") ? regionCenter(ctx) : undefined;
  const saved = text === ctx.t("actions.btn_saved_location") ? savedLocation(ctx) : undefined;
  if (center) return searchFrom(ctx, center.point, ctx.t("actions.origin_region", { region: center.name }));
  if (saved) return searchFrom(ctx, saved, ctx.t("actions.origin_location"));
  return next();
});

searchHandlers.callbackQuery(cbPattern("a", "p", 1), async (ctx) => {
  const page = Number(ctx.match[1]);
  if (!Number.isInteger(page) || page < 0 || page > MAX_PAGE)
    return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  await showListInPlace(ctx, await updateBrowse(ctx.deps.db, ctx.from.id, { page }));
});

searchHandlers.callbackQuery(cbPattern("a", "b"), async (ctx) =>
  showListInPlace(ctx, await getBrowse(ctx.deps.db, ctx.from.id)),
);

searchHandlers.callbackQuery(cbPattern("a", "f"), async (ctx) => {
  await ctx.answerCallbackQuery();
  const screen = filtersView(ctx, await getBrowse(ctx.deps.db, ctx.from.id));
  await showScreen(ctx, screen.text, screen.keyboard);
});

searchHandlers.callbackQuery(cbPattern("a", "fc", 1), async (ctx) => {
  const choice = ctx.match[1];
  if (choice !== "any" && !isCategory(choice)) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const browse = await updateBrowse(ctx.deps.db, ctx.from.id, { category: choice === "any" ? null : choice, page: 0 });
  await ctx.answerCallbackQuery();
  const screen = filtersView(ctx, browse);
  await showScreen(ctx, screen.text, screen.keyboard);
});

searchHandlers.callbackQuery(cbPattern("a", "fp", 1), async (ctx) => {
  const period = ctx.match[1];
  if (!isPeriod(period)) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const browse = await updateBrowse(ctx.deps.db, ctx.from.id, { period, page: 0 });
  await ctx.answerCallbackQuery();
  const screen = filtersView(ctx, browse);
  await showScreen(ctx, screen.text, screen.keyboard);
});

searchHandlers.callbackQuery(cbPattern("a", "fr"), async (ctx) =>
  showListInPlace(ctx, await updateBrowse(ctx.deps.db, ctx.from.id, { category: null, period: "all", page: 0 })),
);
