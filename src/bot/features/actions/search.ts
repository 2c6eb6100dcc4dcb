import { Composer } from "grammy";
import {
  type Browse,
  countNearbyActions,
  findNearbyActions,
  getBrowse,
  isPeriod,
  isRadius,
  RADII,
  type RadiusKm,
  takeLocationRequest,
  updateBrowse,
} from "../../../domain/actions";
import { type Category, isCategory } from "../../../domain/categories";
import { isInKazakhstan, kzPlaces } from "../../../domain/places";
import { standingsIn } from "../../../domain/participation";
import { type GeoPoint, hasConsent, isValidPoint, setLocation } from "../../../domain/users";
import { cb, cbPattern } from "../../callback-data";
import type { BotContext } from "../../context";
import { showScreen } from "../../screen";
import {
  effectiveCategories,
  filtersView,
  listView,
  MAX_PAGE,
  originKeyboard,
  PAGE_SIZE,
  placeChoiceView,
  type Screen,
} from "./views";

// ----- search origin ------------------------------------------------------------------------------

function regionCenter(ctx: BotContext): GeoPoint | undefined {
  const region = hasConsent(ctx.user) ? ctx.deps.regions.get(ctx.user?.regionCode) : undefined;
  return region && { latitude: region.latitude, longitude: region.longitude };
}

function savedLocation(ctx: BotContext): GeoPoint | undefined {
  const user = ctx.user;
  return hasConsent(user) && user?.latitude != null && user.longitude != null
    ? { latitude: user.latitude, longitude: user.longitude }
    : undefined;
}

/** Asks where to search: a location, a typed place, the region's center or the stored location. */
async function askOrigin(ctx: BotContext): Promise<void> {
  await updateBrowse(ctx.deps.db, ctx.from!.id, { awaitingLocation: "search" });
  const keyboard = originKeyboard(ctx.t, {
    regionCenter: Boolean(regionCenter(ctx)),
    savedLocation: Boolean(savedLocation(ctx)),
  });
  await ctx.reply(ctx.t("actions.ask_location"), { reply_markup: keyboard });
}

/**
 * The answer to "where?": one list message. The location keyboard below is taken away first with a message that
 * is deleted at once (Telegram removes a reply keyboard only with a message), so one message stays in the chat.
 */
async function searchFrom(ctx: BotContext, origin: GeoPoint): Promise<void> {
  const browse = await updateBrowse(ctx.deps.db, ctx.from!.id, { origin, page: 0, awaitingLocation: false });
  const list = await renderList(ctx, browse);
  const remover = await ctx.reply("🔎", { reply_markup: { remove_keyboard: true } });
  await ctx.api.deleteMessage(remover.chat.id, remover.message_id).catch(() => undefined);
  await ctx.reply(list.text, { reply_markup: list.keyboard, link_preview_options: { is_disabled: true } });
}

// ----- the list -----------------------------------------------------------------------------------

const interestsOf = (ctx: BotContext): string[] => (hasConsent(ctx.user) ? (ctx.user?.interests ?? []) : []);

/** One more than a page is loaded, so the view knows whether there is a next page; the count is capped. */
async function renderList(ctx: BotContext, browse: Browse): Promise<Screen> {
  const interests = interestsOf(ctx);
  const categories = effectiveCategories(browse, interests);
  const query = { ...browse.origin!, categories, period: browse.period, radiusKm: browse.radiusKm };
  const [rows, total] = await Promise.all([
    findNearbyActions(ctx.deps.db, {
      ...query,
      limit: PAGE_SIZE + 1,
      offset: browse.page * PAGE_SIZE,
      locale: ctx.locale,
    }),
    countNearbyActions(ctx.deps.db, query),
  ]);
  const standings = await standingsIn(
    ctx.deps.db,
    ctx.from!.id,
    rows.map((r) => r.id),
  );
  return listView(ctx, browse, { rows, total, categories, interests, standings });
}

/** Shows the list in the pressed message; without a search origin (a new session) asks for one instead. */
async function showListInPlace(ctx: BotContext, browse: Browse): Promise<void> {
  await ctx.answerCallbackQuery();
  if (!browse.origin) return askOrigin(ctx);
  const list = await renderList(ctx, browse);
  await showScreen(ctx, list.text, list.keyboard);
}

async function showFilters(ctx: BotContext, browse: Browse): Promise<void> {
  await ctx.answerCallbackQuery();
  const screen = filtersView(ctx, browse, interestsOf(ctx));
  await showScreen(ctx, screen.text, screen.keyboard);
}

function parseRadius(raw: string | undefined): RadiusKm | undefined {
  const radius = raw === "all" ? null : Number(raw);
  return isRadius(radius) ? radius : undefined;
}

// ----- handlers (for onboarded users; bot/features/actions/index.ts) ------------------------------

/** Finding actions nearby: the origin, the list's pages and its filters. */
export const searchHandlers = new Composer<BotContext>();

searchHandlers.command("actions", (ctx) => askOrigin(ctx));
searchHandlers.callbackQuery([cbPattern("m", "nearby"), cbPattern("a", "new")], async (ctx) => {
  await ctx.answerCallbackQuery();
  await askOrigin(ctx);
});

/**
 * A location is a search origin when the bot has just asked for one; one asked for by settings goes on to settings;
 * any other asks what it is for (search here or save) instead of replacing the saved location silently.
 */
searchHandlers.on("message:location", async (ctx, next) => {
  const purpose = await takeLocationRequest(ctx.deps.db, ctx.from.id);
  if (purpose === "save") return next();
  const point = { latitude: ctx.message.location.latitude, longitude: ctx.message.location.longitude };
  if (!isValidPoint(point)) return ctx.reply(ctx.t("settings.location_invalid"));
  if (!isInKazakhstan(kzPlaces(), point)) return ctx.reply(ctx.t("actions.outside_kz"));
  if (purpose === "search") return searchFrom(ctx, point);
  // Kept as the session's search origin (erased after a session), so either answer needs no coordinates in buttons.
  await updateBrowse(ctx.deps.db, ctx.from.id, { origin: point, page: 0 });
  await ctx.reply(ctx.t("actions.location_question"), {
    reply_markup: {
      inline_keyboard: [
        [{ text: ctx.t("actions.btn_search_here"), callback_data: cb("a", "here") }],
        [{ text: ctx.t("actions.btn_save_location"), callback_data: cb("a", "keep") }],
      ],
    },
  });
});

searchHandlers.callbackQuery(cbPattern("a", "here"), async (ctx) =>
  showListInPlace(ctx, await updateBrowse(ctx.deps.db, ctx.from.id, { page: 0 })),
);

searchHandlers.callbackQuery(cbPattern("a", "keep"), async (ctx) => {
  const browse = await getBrowse(ctx.deps.db, ctx.from.id);
  if (!browse.origin) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  if (!hasConsent(ctx.user)) {
    await ctx.answerCallbackQuery();
    return showScreen(ctx, ctx.t("settings.consent_required"));
  }
  await setLocation(ctx.deps.db, ctx.from.id, browse.origin);
  await ctx.answerCallbackQuery();
  await showScreen(ctx, ctx.t("settings.location_saved"), {
    inline_keyboard: [[{ text: ctx.t("actions.btn_search_here"), callback_data: cb("a", "here") }]],
  });
});

/** While the bot waits for a location: its reply buttons, or a typed town, district or region name. */
searchHandlers.on("message:text", async (ctx, next) => {
  const text = ctx.message.text;
  if (text.startsWith("/")) return next();
  const center = text === ctx.t("actions.btn_region_center") ? regionCenter(ctx) : undefined;
  const saved = text === ctx.t("actions.btn_saved_location") ? savedLocation(ctx) : undefined;
  if (center || saved) return searchFrom(ctx, (center ?? saved)!);
  const browse = await getBrowse(ctx.deps.db, ctx.from.id);
  if (!browse.awaitingLocation) return next();
  const match = kzPlaces().find(text);
  if (match.kind === "found") return searchFrom(ctx, match.place);
  if (match.kind === "choose") {
    const view = placeChoiceView(ctx, match.places);
    return ctx.reply(view.text, { reply_markup: view.keyboard });
  }
  return ctx.reply(ctx.t("actions.place_not_found", { text: text.slice(0, 60) }));
});

searchHandlers.callbackQuery(cbPattern("a", "pl", 1), async (ctx) => {
  const place = /^\d{1,5}$/.test(ctx.match[1]!) ? kzPlaces().byId(Number(ctx.match[1])) : undefined;
  if (!place) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const browse = await updateBrowse(ctx.deps.db, ctx.from.id, { origin: place, page: 0, awaitingLocation: false });
  await showListInPlace(ctx, browse);
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

/** Widening from the list: a larger radius, back to the first page. */
searchHandlers.callbackQuery(cbPattern("a", "r", 1), async (ctx) => {
  const radiusKm = parseRadius(ctx.match[1]);
  if (radiusKm === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  await showListInPlace(ctx, await updateBrowse(ctx.deps.db, ctx.from.id, { radiusKm, page: 0 }));
});

searchHandlers.callbackQuery(cbPattern("a", "f"), async (ctx) =>
  showFilters(ctx, await getBrowse(ctx.deps.db, ctx.from.id)),
);

/** Categories: several at once (each press toggles one), all of them, or the volunteer's interests. */
searchHandlers.callbackQuery(cbPattern("a", "fc", 1), async (ctx) => {
  const choice = ctx.match[1];
  const interests = interestsOf(ctx).filter(isCategory);
  let categories: Category[];
  if (choice === "any") categories = [];
  else if (choice === "mine" && interests.length > 0) categories = interests;
  else if (isCategory(choice)) {
    const current = effectiveCategories(await getBrowse(ctx.deps.db, ctx.from.id), interests);
    categories = current.includes(choice) ? current.filter((c) => c !== choice) : [...current, choice];
  } else return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  await showFilters(ctx, await updateBrowse(ctx.deps.db, ctx.from.id, { categories, page: 0 }));
});

searchHandlers.callbackQuery(cbPattern("a", "fp", 1), async (ctx) => {
  const period = ctx.match[1];
  if (!isPeriod(period)) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  await showFilters(ctx, await updateBrowse(ctx.deps.db, ctx.from.id, { period, page: 0 }));
});

searchHandlers.callbackQuery(cbPattern("a", "fd", 1), async (ctx) => {
  const radiusKm = parseRadius(ctx.match[1]);
  if (radiusKm === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  await showFilters(ctx, await updateBrowse(ctx.deps.db, ctx.from.id, { radiusKm, page: 0 }));
});

searchHandlers.callbackQuery(cbPattern("a", "fr"), async (ctx) =>
  showListInPlace(
    ctx,
    await updateBrowse(ctx.deps.db, ctx.from.id, { categories: [], period: "all", radiusKm: RADII[0], page: 0 }),
  ),
);
