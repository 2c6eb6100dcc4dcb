import { InlineKeyboard } from "grammy";
import {
  BADGE_MILESTONES,
  DEEDS_COUNTED_PER_DAY,
  hasRegionRanking,
  type Leaderboard,
  type LeaderboardEntry,
  type Marathon,
  type MarathonView,
  type RegionScore,
} from "../../../domain/marathons";
import { DomainError } from "../../../domain/users";
import type { Locale, Translate } from "../../../i18n";
import { formatDate, formatHours } from "../../../i18n/format";
import { cb } from "../../callback-data";
import type { BotContext } from "../../context";
import { escapeHtml } from "../../html";

export function marathonTitle(marathon: Pick<Marathon, "titleKk" | "titleRu">, locale: Locale): string {
  return locale === "kk" ? marathon.titleKk : marathon.titleRu;
}

/** A badge's name (marathons.badge_<milestone>); a number that is no milestone is shown as it is. */
export function badgeLabel(t: Translate, milestone: number): string {
  const badge = BADGE_MILESTONES.find((m) => m === milestone);
  return badge === undefined ? String(milestone) : t(`marathons.badge_${badge}`);
}

/** The refusals the domain may throw, as a localized text. */
export function refusalText(t: Translate, error: unknown): string {
  const code = error instanceof DomainError ? error.code : "unavailable";
  if (code === "consent_required") return t("settings.consent_required");
  if (code === "not_participant") return t("marathons.not_participant");
  return t("marathons.unavailable");
}

/** The marathons open to the user's region, each a button, or a line that there are none. */
export function listView(
  t: Translate,
  locale: Locale,
  marathons: readonly Pick<Marathon, "id" | "titleKk" | "titleRu">[],
) {
  const kb = new InlineKeyboard();
  for (const marathon of marathons) kb.text(marathonTitle(marathon, locale), cb("mr", "o", marathon.id)).row();
  kb.text(t("common.back"), cb("m", "home"));
  return { text: t(marathons.length ? "marathons.list_title" : "marathons.list_empty"), keyboard: kb };
}

export function cardText(ctx: BotContext, view: MarathonView): string {
  const { t, locale } = ctx;
  const { marathon } = view;
  const region = ctx.deps.regions.get(marathon.regionCode);
  const description = locale === "kk" ? marathon.descriptionKk : marathon.descriptionRu;
  const lines = [t("marathons.card_title", { title: marathonTitle(marathon, locale) })];
  if (description.trim()) lines.push(escapeHtml(description.trim()));
  lines.push(
    "",
    region
      ? t("marathons.card_regional", { region: ctx.deps.regions.name(region, locale) })
      : t("marathons.card_national"),
    t("marathons.card_dates", { from: formatDate(marathon.startsAt, locale), to: formatDate(marathon.endsAt, locale) }),
    t("marathons.participants", { count: view.participants }),
    "",
    view.joined ? t("marathons.card_joined", { count: view.progress.deeds }) : t("marathons.card_not_joined"),
    t("marathons.card_daily_limit", { count: DEEDS_COUNTED_PER_DAY }),
  );
  return lines.join("\n");
}

export function cardKeyboard(t: Translate, view: MarathonView): InlineKeyboard {
  const id = view.marathon.id;
  const kb = new InlineKeyboard();
  if (view.joined) kb.text(t("marathons.btn_report"), cb("mr", "d", id)).row();
  else kb.text(t("marathons.btn_join"), cb("mr", "j", id)).row();
  kb.text(t("marathons.btn_progress"), cb("mr", "p", id))
    .text(t("marathons.btn_leaderboard"), cb("mr", "l", id))
    .row();
  // A regional marathon has one region: no ranking of regions.
  if (hasRegionRanking(view.marathon)) kb.text(t("marathons.btn_regions"), cb("mr", "r", id)).row();
  if (view.joined) kb.text(t("marathons.btn_leave"), cb("mr", "lv", id)).row();
  return kb.text(t("marathons.btn_back_list"), cb("mr", "list"));
}

/** Progress: leave (when joined) and back to the card. */
export function progressKeyboard(t: Translate, view: MarathonView): InlineKeyboard {
  const kb = new InlineKeyboard();
  if (view.joined) kb.text(t("marathons.btn_leave"), cb("mr", "lv", view.marathon.id)).row();
  return kb.text(t("marathons.btn_back_card"), cb("mr", "o", view.marathon.id));
}

/** Asks before leaving a marathon. */
export function leaveConfirmView(ctx: BotContext, view: MarathonView) {
  const { t, locale } = ctx;
  const id = view.marathon.id;
  return {
    text: t("marathons.leave_confirm", { title: marathonTitle(view.marathon, locale) }),
    keyboard: new InlineKeyboard()
      .text(t("marathons.btn_leave_yes"), cb("mr", "lx", id))
      .row()
      .text(t("marathons.btn_leave_no"), cb("mr", "o", id)),
  };
}

export const backToCard = (t: Translate, id: number) =>
  new InlineKeyboard().text(t("marathons.btn_back_card"), cb("mr", "o", id));

export function progressText(ctx: BotContext, view: MarathonView): string {
  const { t, locale } = ctx;
  const { progress } = view;
  const badgeName = (milestone: number) => badgeLabel(t, milestone);
  const lines = [
    t("marathons.progress_title", { title: marathonTitle(view.marathon, locale) }),
    "",
    t("marathons.progress_deeds", { count: progress.deeds }),
    // Deeds no longer carry hours (they go through /hours); older deeds' hours are still shown.
    ...(progress.hours > 0 ? [t("marathons.progress_hours", { hours: formatHours(progress.hours, locale) })] : []),
    progress.badges.length
      ? t("marathons.progress_badges", { list: progress.badges.map(badgeName).join(", ") })
      : t("marathons.progress_no_badges"),
  ];
  if (progress.nextBadge !== null) {
    lines.push(
      "",
      t("marathons.progress_next", {
        count: progress.nextBadge - progress.deeds,
        badge: badgeName(progress.nextBadge),
      }),
    );
  } else {
    lines.push("", t("marathons.progress_all_badges"));
  }
  if (!view.joined) lines.push("", t("marathons.card_not_joined"));
  return lines.join("\n");
}

/** The top of the leaderboard, with the user's own line in bold (and their place when they are not in the top). */
export function leaderboardText(ctx: BotContext, view: MarathonView, board: Leaderboard): string {
  const { t, locale } = ctx;
  const userId = ctx.from!.id;
  const line = (entry: LeaderboardEntry) => {
    const name = entry.firstName ?? t("marathons.anonymous", { rank: entry.rank });
    const text = t("marathons.leaderboard_line", { rank: entry.rank, name, count: entry.deeds });
    return entry.userId === userId ? `<b>${text}</b> ${t("marathons.leaderboard_you")}` : text;
  };
  const lines = [t("marathons.leaderboard_title", { title: marathonTitle(view.marathon, locale) }), ""];
  if (board.top.length === 0) lines.push(t("marathons.leaderboard_empty"));
  lines.push(...board.top.map(line));
  if (board.me) lines.push("", t("marathons.leaderboard_my_place"), line(board.me));
  else if (board.top.length > 0 && !board.top.some((e) => e.userId === userId))
    lines.push("", t("marathons.leaderboard_not_ranked"));
  return lines.join("\n");
}

export function regionsText(ctx: BotContext, view: MarathonView, ranking: readonly RegionScore[]): string {
  const { t, locale } = ctx;
  const lines = [t("marathons.regions_title", { title: marathonTitle(view.marathon, locale) }), ""];
  if (ranking.length === 0) lines.push(t("marathons.regions_empty"));
  for (const score of ranking) {
    const region = ctx.deps.regions.get(score.regionCode);
    const name = region ? ctx.deps.regions.name(region, locale) : score.regionCode;
    lines.push(
      t("marathons.regions_line", { rank: score.rank, region: name, count: score.deeds, volunteers: score.volunteers }),
    );
  }
  lines.push("", t("marathons.regions_note"));
  return lines.join("\n");
}

// ----- reporting a good deed (the conversation's keyboards) ----------------------------------

export const skipPhotoKeyboard = (t: Translate) =>
  new InlineKeyboard().text(t("marathons.btn_skip_photo"), cb("mrd", "nophoto"));

export const saveDeedKeyboard = (t: Translate) =>
  new InlineKeyboard()
    .text(t("marathons.btn_save"), cb("mrd", "save"))
    .text(t("marathons.btn_discard"), cb("mrd", "drop"));

/** After a deed was stored or discarded: report another, or back to the marathon's card. */
export const afterDeedKeyboard = (t: Translate, marathonId: number) =>
  new InlineKeyboard()
    .text(t("marathons.btn_report_more"), cb("mr", "d", marathonId))
    .row()
    .text(t("marathons.btn_back_card"), cb("mr", "o", marathonId));
