import { Composer, InlineKeyboard, InputFile, Keyboard } from "grammy";
import {
  type ActionCard,
  type Browse,
  findNearbyActions,
  getActionCard,
  getBrowse,
  isPeriod,
  PERIODS,
  takeLocationRequest,
  updateBrowse,
} from "../../../domain/actions";
import { CATEGORIES, CATEGORY_ICONS, isCategory } from "../../../domain/categories";
import { buildIcs } from "../../../domain/ics";
import { joinAction, leaveAction, myActions, type Standing, standingIn } from "../../../domain/participation";
import { clipChars } from "../../../domain/text";
import { type GeoPoint, hasConsent, isValidPoint } from "../../../domain/users";
import { formatDateTime, formatHours, INTL_LOCALE, TIME_ZONE } from "../../../i18n/format";
import { EXPENSIVE } from "../../middleware/rate-limit";
import { cb, cbPattern, parseId } from "../../callback-data";
import type { BotContext } from "../../context";
import type { ConversationSpec } from "../../conversations/registry";
import { type DeepLink, deepLinkUrl } from "../../deep-links";
import { escapeHtml } from "../../html";
import { requireProfile } from "../../profile";
import { showScreen } from "../../screen";

const PAGE_SIZE = 5;
const MAX_PAGE = 100;
const MAX_DESCRIPTION = 2500;
const MINE_UPCOMING_SHOWN = 15;
const MINE_PAST_SHOWN = 10;

/** Where a card was opened from, so its back button returns there: the nearby list or "My actions". */
type Source = "n" | "m";

const icon = (category: string) => (isCategory(category) ? CATEGORY_ICONS[category] : CATEGORY_ICONS.other);
/** Cut in characters, never inside a surrogate pair (domain/text.ts). */
const clip = clipChars;

/** grammY's row() always starts a row; drops the empty ones that leaves behind. */
function tidy(keyboard: InlineKeyboard): InlineKeyboard {
  const rows = keyboard.inline_keyboard.filter((row) => row.length > 0);
  keyboard.inline_keyboard.splice(0, keyboard.inline_keyboard.length, ...rows);
  return keyboard;
}

// ----- search origin ------------------------------------------------------------------------------

function regionCenter(ctx: BotContext): { point: GeoPoint; name: string } | undefined {
  const region = hasConsent(ctx.user) ? ctx.deps.regions.get(ctx.user?.regionCode) : undefined;
  return region && { point: { latitude: region.latitude, longitude: region.longitude }, name: ctx.deps.regions.name(region, ctx.locale) };
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
  const keyboard = new Keyboard().requestLocation(ctx.t("actions.btn_share_location"));
  if (regionCenter(ctx)) keyboard.row().text(ctx.t("actions.btn_region_center"));
  if (savedLocation(ctx)) keyboard.row().text(ctx.t("actions.btn_saved_location"));
  await ctx.reply(ctx.t("actions.ask_location"), { reply_markup: keyboard.resized().oneTime() });
}

async function searchFrom(ctx: BotContext, origin: GeoPoint, announcement: string): Promise<void> {
  const browse = await updateBrowse(ctx.deps.db, ctx.from!.id, { origin, page: 0, awaitingLocation: false });
  await ctx.reply(announcement, { reply_markup: { remove_keyboard: true } });
  const list = await renderList(ctx, browse);
  await ctx.reply(list.text, { reply_markup: list.keyboard });
}

// ----- the list -----------------------------------------------------------------------------------

function distanceText(ctx: BotContext, meters: number): string {
  const intl = INTL_LOCALE[ctx.locale];
  if (meters < 1000) return ctx.t("actions.m", { m: Math.max(10, Math.round(meters / 10) * 10) });
  const km = new Intl.NumberFormat(intl, { maximumFractionDigits: meters < 10_000 ? 1 : 0 }).format(meters / 1000);
  return ctx.t("actions.km", { km });
}

const categoryName = (ctx: BotContext, category: string | undefined) =>
  category ? ctx.t(`categories.${isCategory(category) ? category : "other"}`) : ctx.t("actions.category_all");

async function renderList(ctx: BotContext, browse: Browse): Promise<{ text: string; keyboard: InlineKeyboard }> {
  const origin = browse.origin!;
  const rows = await findNearbyActions(ctx.deps.db, {
    ...origin,
    category: browse.category,
    period: browse.period,
    limit: PAGE_SIZE + 1,
    offset: browse.page * PAGE_SIZE,
  });
  const shown = rows.slice(0, PAGE_SIZE);
  const header = ctx.t("actions.list_title", {
    category: categoryName(ctx, browse.category),
    period: ctx.t(`actions.period_${browse.period}`),
    page: browse.page + 1,
  });
  const keyboard = new InlineKeyboard();
  const items = shown.map((a, i) => {
    const n = browse.page * PAGE_SIZE + i + 1;
    keyboard.text(`${n}. ${icon(a.category)} ${clip(a.title, 40)}`, cb("a", "o", a.id, "n")).row();
    return ctx.t("actions.list_item", {
      n,
      icon: icon(a.category),
      title: clip(a.title, 150),
      distance: distanceText(ctx, a.distanceMeters),
      date: formatDateTime(a.startsAt, ctx.locale),
      spots: a.spotsLeft > 0 ? ctx.t("actions.spots_left", { count: a.spotsLeft }) : ctx.t("actions.waitlist_badge"),
    });
  });
  const empty = browse.page > 0 ? ctx.t("actions.empty_page") : ctx.t("actions.empty");
  if (browse.page > 0) keyboard.text(ctx.t("actions.btn_prev"), cb("a", "p", browse.page - 1));
  if (rows.length > PAGE_SIZE && browse.page < MAX_PAGE) keyboard.text(ctx.t("actions.btn_next"), cb("a", "p", browse.page + 1));
  keyboard.row().text(ctx.t("actions.btn_filters"), cb("a", "f"));
  if (shown.length === 0 && (browse.category || browse.period !== "all")) {
    keyboard.text(ctx.t("actions.btn_reset_filters"), cb("a", "fr"));
  }
  keyboard.row().text(ctx.t("actions.btn_new_search"), cb("a", "new")).text(ctx.t("common.back"), cb("m", "home"));
  return { text: [header, ...(items.length ? items : [empty])].join("\n\n"), keyboard: tidy(keyboard) };
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

function filtersScreen(ctx: BotContext, browse: Browse): { text: string; keyboard: InlineKeyboard } {
  const mark = (on: boolean, label: string) => (on ? `✅ ${label}` : label);
  const keyboard = new InlineKeyboard().text(mark(!browse.category, ctx.t("actions.category_all")), cb("a", "fc", "any")).row();
  CATEGORIES.forEach((category, i) => {
    keyboard.text(mark(browse.category === category, `${CATEGORY_ICONS[category]} ${ctx.t(`categories.${category}`)}`), cb("a", "fc", category));
    if (i % 2 === 1) keyboard.row();
  });
  keyboard.row();
  PERIODS.forEach((period, i) => {
    keyboard.text(mark(browse.period === period, ctx.t(`actions.period_${period}`)), cb("a", "fp", period));
    if (i % 2 === 0) keyboard.row();
  });
  keyboard.row().text(ctx.t("actions.btn_show"), cb("a", "p", 0));
  const text = ctx.t("actions.filters_title", {
    category: categoryName(ctx, browse.category),
    period: ctx.t(`actions.period_${browse.period}`),
  });
  return { text, keyboard: tidy(keyboard) };
}

// ----- the card -----------------------------------------------------------------------------------

function whenText(card: ActionCard, locale: BotContext["locale"]): string {
  const intl = INTL_LOCALE[locale];
  const day = (d: Date) => new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE, dateStyle: "short" }).format(d);
  const end =
    day(card.startsAt) === day(card.endsAt)
      ? new Intl.DateTimeFormat(intl, { timeZone: TIME_ZONE, timeStyle: "short" }).format(card.endsAt)
      : formatDateTime(card.endsAt, locale);
  return `${formatDateTime(card.startsAt, locale)} – ${end}`;
}

function cardView(ctx: BotContext, card: ActionCard, standing: Standing | undefined, source: Source, now = new Date()) {
  const { t, locale } = ctx;
  const hours = formatHours(card.hours, locale);
  const started = card.startsAt <= now;
  const lines = [
    t("actions.card_title", { icon: icon(card.category), title: clip(card.title, 300) }),
    "",
    ...(card.organizationName ? [t("actions.card_organizer", { name: clip(card.organizationName, 200) })] : []),
    t("actions.card_category", { category: categoryName(ctx, card.category) }),
    t("actions.card_when", { when: whenText(card, locale) }),
    ...(card.address ? [t("actions.card_where", { address: clip(card.address, 300) })] : []),
    card.spotsLeft > 0 ? t("actions.card_spots", { left: card.spotsLeft, capacity: card.capacity }) : t("actions.card_full"),
    ...(card.hours > 0 ? [t("actions.card_hours", { hours })] : []),
  ];
  if (card.description) lines.push("", escapeHtml(clip(card.description, MAX_DESCRIPTION)));
  const status =
    card.status === "cancelled"
      ? t("actions.card_cancelled")
      : started
        ? t("actions.card_started")
        : standing?.status === "joined"
          ? t("actions.card_joined")
          : standing?.status === "waitlisted"
            ? t("actions.card_waitlisted", { position: standing.position })
            : undefined;
  if (status) lines.push("", status);

  const keyboard = new InlineKeyboard();
  if (card.status === "published" && !started) {
    if (standing?.status === "joined") keyboard.text(t("actions.btn_leave"), cb("a", "l", card.id, source));
    else if (standing?.status === "waitlisted") keyboard.text(t("actions.btn_leave_waitlist"), cb("a", "l", card.id, source));
    else keyboard.text(t(card.spotsLeft > 0 ? "actions.btn_join" : "actions.btn_join_waitlist"), cb("a", "j", card.id, source));
    keyboard.row();
  }
  if (card.status === "published") keyboard.text(t("actions.btn_calendar"), cb("a", "c", card.id));
  keyboard.url(t("actions.btn_share"), deepLinkUrl(ctx.me.username, "a", card.id)).row();
  keyboard.text(...(source === "m" ? [t("actions.btn_back_mine"), cb("m", "mine")] as const : [t("actions.btn_back_list"), cb("a", "b")] as const));
  return { text: lines.join("\n"), keyboard: tidy(keyboard) };
}

/** Sends the action's pin and then its card (so the card with its buttons is the last message). */
async function sendCard(ctx: BotContext, card: ActionCard, source: Source): Promise<void> {
  const standing = await standingIn(ctx.deps.db, card.id, ctx.from!.id);
  if (card.address) await ctx.replyWithVenue(card.latitude, card.longitude, clip(card.title, 100), clip(card.address, 200));
  else await ctx.replyWithLocation(card.latitude, card.longitude);
  const view = cardView(ctx, card, standing, source);
  await ctx.reply(view.text, { reply_markup: view.keyboard, link_preview_options: { is_disabled: true } });
}

async function refreshCard(ctx: BotContext, id: number, source: Source): Promise<void> {
  const card = await getActionCard(ctx.deps.db, id);
  if (!card) return;
  const view = cardView(ctx, card, await standingIn(ctx.deps.db, id, ctx.from!.id), source);
  await showScreen(ctx, view.text, view.keyboard);
}

// ----- my actions ---------------------------------------------------------------------------------

async function renderMine(ctx: BotContext): Promise<{ text: string; keyboard: InlineKeyboard }> {
  const { upcoming, past } = await myActions(ctx.deps.db, ctx.from!.id);
  const keyboard = new InlineKeyboard();
  if (upcoming.length === 0 && past.length === 0) {
    keyboard.text(ctx.t("menu.nearby"), cb("m", "nearby")).row().text(ctx.t("common.back"), cb("m", "home"));
    return { text: `${ctx.t("actions.mine_title")}\n\n${ctx.t("actions.mine_empty")}`, keyboard };
  }
  let n = 0;
  const section = (title: string, list: typeof upcoming, shownMax: number) => {
    if (list.length === 0) return [];
    const lines = list.slice(0, shownMax).map((a) => {
      n += 1;
      keyboard.text(`${n}. ${icon(a.category)} ${clip(a.title, 40)}`, cb("a", "o", a.id, "m")).row();
      const status =
        a.actionStatus === "cancelled"
          ? ctx.t("actions.mine_cancelled")
          : a.status === "waitlisted"
            ? ctx.t("actions.mine_waitlisted", { position: a.position })
            : ctx.t("actions.mine_joined");
      return ctx.t("actions.mine_item", {
        n,
        icon: icon(a.category),
        title: clip(a.title, 60),
        date: formatDateTime(a.startsAt, ctx.locale),
        status,
      });
    });
    if (list.length > shownMax) lines.push(ctx.t("actions.mine_more", { count: list.length - shownMax }));
    return ["", title, ...lines];
  };
  const text = [
    ctx.t("actions.mine_title"),
    ...section(ctx.t("actions.mine_upcoming"), upcoming, MINE_UPCOMING_SHOWN),
    ...section(ctx.t("actions.mine_past"), past, MINE_PAST_SHOWN),
  ].join("\n");
  keyboard.text(ctx.t("common.back"), cb("m", "home"));
  return { text, keyboard: tidy(keyboard) };
}

// ----- handlers -----------------------------------------------------------------------------------

export const actionsFeature = new Composer<BotContext>();
/** Conversations of this feature, created with createConversation(); installed after the conversations plugin. */
export const actionsConversations: ConversationSpec[] = [];

const onboarded = actionsFeature.filter((ctx) => Boolean(ctx.user?.onboardedAt));
actionsFeature.command(["actions", "my"], (ctx) => ctx.reply(ctx.t("common.start_first")));

onboarded.command("actions", (ctx) => askOrigin(ctx));
onboarded.callbackQuery(cbPattern("m", "nearby"), async (ctx) => {
  await ctx.answerCallbackQuery();
  await askOrigin(ctx);
});
onboarded.callbackQuery(cbPattern("a", "new"), async (ctx) => {
  await ctx.answerCallbackQuery();
  await askOrigin(ctx);
});

/** A location is a search origin only when the bot has just asked for one; otherwise settings stores it. */
onboarded.on("message:location", async (ctx, next) => {
  if (!(await takeLocationRequest(ctx.deps.db, ctx.from.id))) return next();
  const { latitude, longitude } = ctx.message.location;
  if (!isValidPoint({ latitude, longitude })) return ctx.reply(ctx.t("settings.location_invalid"));
  await searchFrom(ctx, { latitude, longitude }, ctx.t("actions.origin_location"));
});

onboarded.on("message:text", async (ctx, next) => {
  const text = ctx.message.text;
  const center = text === ctx.t("actions.btn_region_center") ? regionCenter(ctx) : undefined;
  const saved = text === ctx.t("actions.btn_saved_location") ? savedLocation(ctx) : undefined;
  if (center) return searchFrom(ctx, center.point, ctx.t("actions.origin_region", { region: center.name }));
  if (saved) return searchFrom(ctx, saved, ctx.t("actions.origin_location"));
  return next();
});

onboarded.callbackQuery(cbPattern("a", "p", 1), async (ctx) => {
  const page = Number(ctx.match[1]);
  if (!Number.isInteger(page) || page < 0 || page > MAX_PAGE) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  await showListInPlace(ctx, await updateBrowse(ctx.deps.db, ctx.from.id, { page }));
});

onboarded.callbackQuery(cbPattern("a", "b"), async (ctx) => showListInPlace(ctx, await getBrowse(ctx.deps.db, ctx.from.id)));

onboarded.callbackQuery(cbPattern("a", "f"), async (ctx) => {
  await ctx.answerCallbackQuery();
  const screen = filtersScreen(ctx, await getBrowse(ctx.deps.db, ctx.from.id));
  await showScreen(ctx, screen.text, screen.keyboard);
});

onboarded.callbackQuery(cbPattern("a", "fc", 1), async (ctx) => {
  const choice = ctx.match[1];
  if (choice !== "any" && !isCategory(choice)) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const browse = await updateBrowse(ctx.deps.db, ctx.from.id, { category: choice === "any" ? null : choice, page: 0 });
  await ctx.answerCallbackQuery();
  const screen = filtersScreen(ctx, browse);
  await showScreen(ctx, screen.text, screen.keyboard);
});

onboarded.callbackQuery(cbPattern("a", "fp", 1), async (ctx) => {
  const period = ctx.match[1];
  if (!isPeriod(period)) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const browse = await updateBrowse(ctx.deps.db, ctx.from.id, { period, page: 0 });
  await ctx.answerCallbackQuery();
  const screen = filtersScreen(ctx, browse);
  await showScreen(ctx, screen.text, screen.keyboard);
});

onboarded.callbackQuery(cbPattern("a", "fr"), async (ctx) =>
  showListInPlace(ctx, await updateBrowse(ctx.deps.db, ctx.from.id, { category: null, period: "all", page: 0 })),
);

// Opening a card: from the list or "My actions" (with a source) or the button after onboarding (without).
onboarded.callbackQuery([cbPattern("a", "o", 1), cbPattern("a", "o", 2)], async (ctx) => {
  const source: Source = ctx.match[2] === "m" ? "m" : "n";
  const card = await getActionCard(ctx.deps.db, parseId(ctx.match[1]) ?? 0);
  if (!card) return ctx.answerCallbackQuery({ text: ctx.t("actions.not_found"), show_alert: true });
  await ctx.answerCallbackQuery();
  await sendCard(ctx, card, source);
});

onboarded.callbackQuery(cbPattern("a", "j", 2), async (ctx) => {
  const id = parseId(ctx.match[1]);
  const source: Source = ctx.match[2] === "m" ? "m" : "n";
  if (id === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  if (!hasConsent(ctx.user)) return ctx.answerCallbackQuery({ text: ctx.t("actions.consent_needed"), show_alert: true });
  if (!(await requireProfile(ctx))) return;
  const result = await joinAction(ctx.deps.db, id, ctx.from.id);
  if (result.status === "joined") await ctx.answerCallbackQuery({ text: ctx.t("actions.joined") });
  else if (result.status === "waitlisted") {
    await ctx.answerCallbackQuery({ text: ctx.t("actions.waitlisted", { position: result.position }), show_alert: true });
  } else await ctx.answerCallbackQuery({ text: ctx.t(`actions.refused_${result.reason}`), show_alert: true });
  await refreshCard(ctx, id, source);
});

onboarded.callbackQuery(cbPattern("a", "l", 2), async (ctx) => {
  const id = parseId(ctx.match[1]);
  const source: Source = ctx.match[2] === "m" ? "m" : "n";
  if (id === undefined) return ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
  const result = await leaveAction(ctx.deps.db, id, ctx.from.id);
  if (result.status === "left") {
    await ctx.answerCallbackQuery({ text: ctx.t(result.from === "waitlisted" ? "actions.left_waitlist" : "actions.left") });
  } else await ctx.answerCallbackQuery({ text: ctx.t(`actions.refused_${result.reason}`), show_alert: true });
  await refreshCard(ctx, id, source);
});

onboarded.callbackQuery(cbPattern("a", "c", 1), EXPENSIVE.calendar, async (ctx) => {
  const card = await getActionCard(ctx.deps.db, parseId(ctx.match[1]) ?? 0);
  if (!card || card.status !== "published") return ctx.answerCallbackQuery({ text: ctx.t("actions.not_found"), show_alert: true });
  await ctx.answerCallbackQuery();
  const ics = buildIcs({
    ...card,
    organizer: card.organizationName,
    url: deepLinkUrl(ctx.me.username, "a", card.id),
  });
  await ctx.replyWithDocument(new InputFile(Buffer.from(ics, "utf8"), `erikti-${card.id}.ics`), {
    caption: ctx.t("actions.ics_caption", { title: clip(card.title, 200) }),
  });
});

onboarded.command("my", async (ctx) => {
  const mine = await renderMine(ctx);
  await ctx.reply(mine.text, { reply_markup: mine.keyboard });
});
onboarded.callbackQuery(cbPattern("m", "mine"), async (ctx) => {
  await ctx.answerCallbackQuery();
  const mine = await renderMine(ctx);
  await showScreen(ctx, mine.text, mine.keyboard);
});

export const actionDeepLink: DeepLink = {
  prefix: "a",
  needsOnboarding: true,
  async open(ctx, arg) {
    const card = await getActionCard(ctx.deps.db, parseId(arg) ?? 0);
    if (card) await sendCard(ctx, card, "n");
    else await ctx.reply(ctx.t("actions.not_found"));
  },
  continueButton: (t, arg) => ({ text: t("actions.open_card"), data: cb("a", "o", arg) }),
};
