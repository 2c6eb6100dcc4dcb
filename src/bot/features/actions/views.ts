import { InlineKeyboard, Keyboard } from "grammy";
import {
  type ActionCard,
  type Browse,
  COUNT_CAP,
  type NearbyAction,
  PERIODS,
  RADII,
  type RadiusKm,
} from "../../../domain/actions";
import { CATEGORIES, CATEGORY_ICONS, type Category, isCategory } from "../../../domain/categories";
import { kzPlaces, type Place, placeName } from "../../../domain/places";
import type { MyAction, Standing } from "../../../domain/participation";
import { clipChars } from "../../../domain/text";
import type { Translate } from "../../../i18n";
import { formatDateTime, formatDateTimeRange, formatHours, INTL_LOCALE } from "../../../i18n/format";
import { cb } from "../../callback-data";
import type { BotContext } from "../../context";
import { deepLinkUrl } from "../../deep-links";
import { regionKeyboard } from "../../keyboards";
import { escapeHtml } from "../../html";

export const PAGE_SIZE = 5;
export const MAX_PAGE = 100;
const MAX_DESCRIPTION = 2500;
const MINE_UPCOMING_SHOWN = 15;
const MINE_PAST_SHOWN = 10;

/** Where a card was opened from, so its back button returns there: the nearby list or "My actions". */
export type Source = "n" | "m";

const icon = (category: string) => (isCategory(category) ? CATEGORY_ICONS[category] : CATEGORY_ICONS.other);

/** grammY's row() always starts a row; drops the empty ones that leaves behind. */
function tidy(keyboard: InlineKeyboard): InlineKeyboard {
  const rows = keyboard.inline_keyboard.filter((row) => row.length > 0);
  keyboard.inline_keyboard.splice(0, keyboard.inline_keyboard.length, ...rows);
  return keyboard;
}

export interface Screen {
  text: string;
  keyboard: InlineKeyboard;
}

// ----- search origin ------------------------------------------------------------------------------

/** A location button, then the region's center and the stored location when there are such. */
export function originKeyboard(t: Translate, offer: { regionCenter: boolean; savedLocation: boolean }): Keyboard {
  const keyboard = new Keyboard().requestLocation(t("actions.btn_share_location"));
  if (offer.regionCenter) keyboard.row().text(t("actions.btn_region_center"));
  if (offer.savedLocation) keyboard.row().text(t("actions.btn_saved_location"));
  return keyboard.resized().oneTime();
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

/** The categories a list is filtered by: chosen ones, else (never chosen) the volunteer's interests. */
export function effectiveCategories(browse: Browse, interests: readonly string[]): Category[] {
  return browse.categories ?? interests.filter(isCategory);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function categoriesText(ctx: BotContext, chosen: readonly Category[], interests: readonly string[]): string {
  if (chosen.length === 0) return ctx.t("actions.category_all");
  if (interests.length > 0 && sameSet(chosen, interests)) return ctx.t("actions.category_mine");
  return chosen.map((c) => categoryName(ctx, c)).join(", ");
}

const radiusText = (ctx: BotContext, radius: RadiusKm) =>
  radius === null ? ctx.t("actions.radius_country") : ctx.t("actions.radius_km", { km: radius });

const radiusButton = (ctx: BotContext, radius: RadiusKm) =>
  radius === null ? ctx.t("actions.btn_radius_country") : ctx.t("actions.btn_radius", { km: radius });

/** The settlement an action is in or near: "Талдыкорган", or "Талдыкорган (≈ 25 км)" further than 10 km. */
export function placeText(ctx: BotContext, point: { latitude: number; longitude: number }): string | undefined {
  const near = kzPlaces().nearest(point);
  if (!near) return undefined;
  const name = placeName(near.place, ctx.locale);
  return near.meters > 10_000 ? ctx.t("actions.place_far", { place: name, km: Math.round(near.meters / 1000) }) : name;
}

export interface ListData {
  rows: NearbyAction[];
  /** Counted up to COUNT_CAP + 1. */
  total: number;
  categories: readonly Category[];
  interests: readonly string[];
  /** Where the user already stands in the listed actions. */
  standings?: ReadonlyMap<number, "joined" | "waitlisted">;
}

/** One page of the nearby list: "page 2 of 7 · 31 actions", the lines with their town, paging and widening. */
export function listView(ctx: BotContext, browse: Browse, data: ListData): Screen {
  const { rows, total } = data;
  const shown = rows.slice(0, PAGE_SIZE);
  const capped = total > COUNT_CAP;
  const pages = Math.max(1, Math.ceil(Math.min(total, COUNT_CAP) / PAGE_SIZE));
  const origin = browse.origin && placeText(ctx, browse.origin);
  const header = [
    ctx.t("actions.list_title", { place: origin ?? "—" }),
    ctx.t("actions.list_filters", {
      category: categoriesText(ctx, data.categories, data.interests),
      period: ctx.t(`actions.period_${browse.period}`),
      radius: radiusText(ctx, browse.radiusKm),
    }),
    ...(total > 0
      ? [
          ctx.t(capped ? "actions.list_pages_capped" : "actions.list_pages", {
            page: browse.page + 1,
            pages: capped ? `${pages}+` : pages,
            count: capped ? COUNT_CAP : total,
          }),
        ]
      : []),
  ].join("\n");
  const keyboard = new InlineKeyboard();
  const items = shown.map((a, i) => {
    const n = browse.page * PAGE_SIZE + i + 1;
    const standing = data.standings?.get(a.id);
    const mark = standing === "joined" ? "✅ " : standing === "waitlisted" ? "⏳ " : "";
    keyboard.text(`${mark}${n}. ${icon(a.category)} ${clipChars(a.title, 40)}`, cb("a", "o", a.id, "n")).row();
    const place = placeText(ctx, a);
    return ctx.t("actions.list_item", {
      n,
      icon: icon(a.category),
      title: clipChars(a.title, 150),
      distance: distanceText(ctx, a.distanceMeters),
      place: place ?? "—",
      date: formatDateTime(a.startsAt, ctx.locale),
      spots: standing
        ? ctx.t(standing === "joined" ? "actions.list_joined" : "actions.list_waitlisted")
        : a.spotsLeft === null
          ? ctx.t("actions.spots_unlimited")
          : a.spotsLeft > 0
            ? ctx.t("actions.spots_left", { count: a.spotsLeft })
            : ctx.t("actions.waitlist_badge"),
    });
  });
  const filtered = data.categories.length > 0 || browse.period !== "all";
  const empty =
    browse.page > 0
      ? ctx.t("actions.empty_page")
      : browse.radiusKm === null
        ? ctx.t("actions.empty")
        : ctx.t("actions.empty_radius", { km: browse.radiusKm });
  if (browse.page > 0) keyboard.text(ctx.t("actions.btn_prev"), cb("a", "p", browse.page - 1));
  if (rows.length > PAGE_SIZE && browse.page < MAX_PAGE)
    keyboard.text(ctx.t("actions.btn_next"), cb("a", "p", browse.page + 1));
  // Further away: offered on the last page (and when nothing is near).
  if (rows.length <= PAGE_SIZE && browse.radiusKm !== null) {
    keyboard.row();
    for (const radius of [...RADII.filter((r) => r > (browse.radiusKm ?? 0)), null])
      keyboard.text(radiusButton(ctx, radius), cb("a", "r", radius ?? "all"));
  }
  keyboard.row().text(ctx.t("actions.btn_filters"), cb("a", "f"));
  if (shown.length === 0 && filtered) keyboard.text(ctx.t("actions.btn_reset_filters"), cb("a", "fr"));
  keyboard.row().text(ctx.t("actions.btn_new_search"), cb("a", "new")).text(ctx.t("common.back"), cb("m", "home"));
  return { text: [header, ...(items.length ? items : [empty])].join("\n\n"), keyboard: tidy(keyboard) };
}

/** Categories (several at once, or all, or the volunteer's interests), the period and the radius. */
export function filtersView(ctx: BotContext, browse: Browse, interests: readonly string[]): Screen {
  const mark = (on: boolean, label: string) => (on ? `✅ ${label}` : label);
  const chosen = effectiveCategories(browse, interests);
  const keyboard = new InlineKeyboard().text(
    mark(chosen.length === 0, ctx.t("actions.category_all")),
    cb("a", "fc", "any"),
  );
  if (interests.length > 0)
    keyboard.text(mark(sameSet(chosen, interests), ctx.t("actions.category_mine")), cb("a", "fc", "mine"));
  keyboard.row();
  CATEGORIES.forEach((category, i) => {
    keyboard.text(
      mark(chosen.includes(category), `${CATEGORY_ICONS[category]} ${ctx.t(`categories.${category}`)}`),
      cb("a", "fc", category),
    );
    if (i % 2 === 1) keyboard.row();
  });
  keyboard.row();
  PERIODS.forEach((period, i) => {
    keyboard.text(mark(browse.period === period, ctx.t(`actions.period_${period}`)), cb("a", "fp", period));
    if (i % 2 === 0) keyboard.row();
  });
  keyboard.row();
  for (const radius of [...RADII, null])
    keyboard.text(mark(browse.radiusKm === radius, radiusButton(ctx, radius)), cb("a", "fd", radius ?? "all"));
  keyboard.row().text(ctx.t("actions.btn_show"), cb("a", "p", 0));
  const text = ctx.t("actions.filters_title", {
    category: categoriesText(ctx, chosen, interests),
    period: ctx.t(`actions.period_${browse.period}`),
    radius: radiusText(ctx, browse.radiusKm),
  });
  return { text, keyboard: tidy(keyboard) };
}

/** A typed name that fits several places: one button each, with the town it is near when that helps. */
export function placeChoiceView(ctx: BotContext, places: readonly Place[]): Screen {
  const keyboard = new InlineKeyboard();
  for (const place of places) {
    // Villages of one name: the city each is near tells them apart.
    const city = place.kind === "town" || place.kind === "district" ? kzPlaces().nearestCity(place) : undefined;
    const label = [
      placeName(place, ctx.locale),
      place.kind === "region" ? ctx.t("actions.place_region") : undefined,
      city && city.place !== place
        ? ctx.t("actions.place_far", { place: placeName(city.place, ctx.locale), km: Math.round(city.meters / 1000) })
        : undefined,
    ].filter(Boolean);
    keyboard.text(clipChars(label.join(" · "), 60), cb("a", "pl", place.id)).row();
  }
  return { text: ctx.t("actions.place_choose"), keyboard };
}

/** Maps that open the point: 2GIS and Yandex Maps, what people in Kazakhstan use. */
export function mapUrls(point: { latitude: number; longitude: number }): { twoGis: string; yandex: string } {
  const lon = point.longitude.toFixed(6);
  const lat = point.latitude.toFixed(6);
  return {
    twoGis: `https://2gis.kz/geo/${lon},${lat}`,
    yandex: `https://yandex.kz/maps/?pt=${lon},${lat}&z=16&l=map`,
  };
}

// ----- the card -----------------------------------------------------------------------------------

/**
 * Telegram's share sheet: the user picks a chat and sends the card's deep link with its title and date (an absolute
 * date: the friend reads it later, so never "today").
 */
export function shareUrl(
  ctx: BotContext,
  card: Pick<ActionCard, "id" | "title" | "startsAt">,
  now = new Date(),
): string {
  const link = deepLinkUrl(ctx.me.username, "a", card.id);
  const text = `${clipChars(card.title, 100)}, ${formatDateTime(card.startsAt, ctx.locale, now, { relative: false })}`;
  return `https://t.me/share/url?url=${encodeURIComponent(link)}&text=${encodeURIComponent(text)}`;
}

export function cardView(
  ctx: BotContext,
  card: ActionCard,
  standing: Standing | undefined,
  source: Source,
  now = new Date(),
): Screen {
  const { t, locale } = ctx;
  const hours = formatHours(card.hours, locale);
  const started = card.startsAt <= now;
  const lines = [
    t("actions.card_title", { icon: icon(card.category), title: clipChars(card.title, 300) }),
    "",
    ...(card.organizationName ? [t("actions.card_organizer", { name: clipChars(card.organizationName, 200) })] : []),
    t("actions.card_category", { category: categoryName(ctx, card.category) }),
    t("actions.card_when", { when: formatDateTimeRange(card.startsAt, card.endsAt, locale, now) }),
    ...(card.address ? [t("actions.card_where", { address: clipChars(card.address, 300) })] : []),
    card.spotsLeft === null
      ? t("actions.card_spots_unlimited")
      : card.spotsLeft > 0
        ? t("actions.card_spots", { left: card.spotsLeft, capacity: card.capacity })
        : t("actions.card_full"),
    ...(card.hours > 0 ? [t("actions.card_hours", { hours })] : []),
  ];
  if (card.description) lines.push("", escapeHtml(clipChars(card.description, MAX_DESCRIPTION)));
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
    else if (standing?.status === "waitlisted")
      keyboard.text(t("actions.btn_leave_waitlist"), cb("a", "l", card.id, source));
    else
      keyboard.text(
        t(card.spotsLeft === null || card.spotsLeft > 0 ? "actions.btn_join" : "actions.btn_join_waitlist"),
        cb("a", "j", card.id, source),
      );
    keyboard.row();
  }
  if (card.hasPin) {
    const maps = mapUrls(card);
    keyboard.text(t("actions.btn_map"), cb("a", "map", card.id)).url(t("actions.btn_2gis"), maps.twoGis);
    keyboard.url(t("actions.btn_yandex"), maps.yandex).row();
  }
  if (card.status === "published") keyboard.text(t("actions.btn_calendar"), cb("a", "c", card.id));
  keyboard.url(t("actions.btn_share"), shareUrl(ctx, card, now)).row();
  // A newcomer (the card came by a shared link) has no list to go back to.
  if (ctx.user?.onboardedAt || source === "m")
    keyboard.text(
      ...(source === "m"
        ? ([t("actions.btn_back_mine"), cb("m", "mine")] as const)
        : ([t("actions.btn_back_list"), cb("a", "b")] as const)),
    );
  return { text: lines.join("\n"), keyboard: tidy(keyboard) };
}

/** Joining without a region: the region (the answer joins), or back to the card. */
export function regionQuestionView(ctx: BotContext, id: number, source: Source): Screen {
  const keyboard = regionKeyboard(ctx.deps.regions, ctx.locale, "a", "jr", id, source)
    .row()
    .text(ctx.t("common.back"), cb("a", "o", id, source));
  return { text: ctx.t("actions.region_ask"), keyboard: tidy(keyboard) };
}

// ----- my actions ---------------------------------------------------------------------------------

/** "My actions": the upcoming ones, then the past ones, each a button that opens its card. */
export function mineView(ctx: BotContext, { upcoming, past }: { upcoming: MyAction[]; past: MyAction[] }): Screen {
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
      keyboard.text(`${n}. ${icon(a.category)} ${clipChars(a.title, 40)}`, cb("a", "o", a.id, "m")).row();
      const status =
        a.actionStatus === "cancelled"
          ? ctx.t("actions.mine_cancelled")
          : a.status === "waitlisted"
            ? ctx.t("actions.mine_waitlisted", { position: a.position })
            : ctx.t("actions.mine_joined");
      return ctx.t("actions.mine_item", {
        n,
        icon: icon(a.category),
        title: clipChars(a.title, 60),
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

// ----- leaving and its undo -----------------------------------------------------------------------

/** "Leave …?" in place of the card: Yes leaves, No brings the card back. */
export function leaveAskView(
  ctx: BotContext,
  card: Pick<ActionCard, "id" | "title">,
  from: Standing["status"],
  source: Source,
): Screen {
  const waitlist = from === "waitlisted";
  const keyboard = new InlineKeyboard()
    .text(ctx.t(waitlist ? "actions.btn_leave_waitlist_yes" : "actions.btn_leave_yes"), cb("a", "ly", card.id, source))
    .text(ctx.t("actions.btn_leave_no"), cb("a", "o", card.id, source));
  const text = ctx.t(waitlist ? "actions.leave_waitlist_ask" : "actions.leave_ask", {
    title: clipChars(card.title, 300),
  });
  return { text, keyboard };
}

/** What a leave did, in a notice with Undo while the seat is still free (nobody was promoted into it). */
export interface LeftNotice {
  id: number;
  title: string;
  from: Standing["status"];
  /** Names the leave for Undo (LeaveResult.seq). */
  seq: number;
  /** Undo offered: a waitlist place, or a seat nobody was promoted into. */
  undoable: boolean;
}

/** The notice's data from a leave's result. */
export function leftNotice(
  card: Pick<ActionCard, "id" | "title">,
  result: { from: Standing["status"]; seq: number; promotedUserId?: number; undoable?: boolean },
): LeftNotice {
  return {
    id: card.id,
    title: card.title,
    from: result.from,
    seq: result.seq,
    undoable: result.undoable ?? result.promotedUserId === undefined,
  };
}

export function leftNoticeView(ctx: BotContext, left: LeftNotice, source: Source): Screen {
  const title = clipChars(left.title, 300);
  const keyboard = new InlineKeyboard();
  if (left.undoable)
    keyboard
      .text(
        ctx.t(left.from === "waitlisted" ? "actions.btn_undo_waitlist" : "actions.btn_undo"),
        cb("a", "u", left.id, left.seq, source),
      )
      .row();
  keyboard.text(ctx.t("actions.open_card"), cb("a", "o", left.id, source));
  const key =
    left.from === "waitlisted"
      ? "actions.left_waitlist_notice"
      : left.undoable
        ? "actions.left_notice"
        : "actions.left_promoted_notice";
  return { text: ctx.t(key, { title }), keyboard };
}

/** Undo came too late: the seat went to someone else; the waitlist instead. */
export function undoTakenView(ctx: BotContext, card: Pick<ActionCard, "id" | "title">, source: Source): Screen {
  const keyboard = new InlineKeyboard()
    .text(ctx.t("actions.btn_join_waitlist"), cb("a", "j", card.id, source))
    .row()
    .text(ctx.t("actions.open_card"), cb("a", "o", card.id, source));
  return { text: ctx.t("actions.undo_taken", { title: clipChars(card.title, 300) }), keyboard };
}
