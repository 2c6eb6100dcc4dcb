import { randomUUID } from "node:crypto";
import { Composer, InlineKeyboard } from "grammy";
import type { PhotoSize } from "grammy/types";
import {
  BADGE_MILESTONES,
  checkDeedText,
  DEED_TEXT_MAX,
  joinMarathon,
  leaderboard,
  type LeaderboardEntry,
  listActiveMarathons,
  type Marathon,
  type MarathonView,
  openMarathon,
  parseDeedHours,
  regionRanking,
  reportDeed,
} from "../../../domain/marathons";
import { DomainError, hasConsent } from "../../../domain/users";
import type { Locale, Translate } from "../../../i18n";
import { formatDate, formatHours } from "../../../i18n/format";
import { cb, cbPattern } from "../../callback-data";
import type { BotContext, BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";
import { charLength } from "../../../domain/text";
import { escapeHtml } from "../../html";
import { requireProfile } from "../../profile";
import { showScreen } from "../../screen";

const DEED = "marathon_deed";
const HOUR_CHOICES = [1, 2, 3, 4] as const;


function marathonTitle(marathon: Pick<Marathon, "titleKk" | "titleRu">, locale: Locale): string {
  return locale === "kk" ? marathon.titleKk : marathon.titleRu;
}

/** A badge's name (marathons.badge_<milestone>); a number that is no milestone is shown as it is. */
function badgeLabel(t: Translate, milestone: number): string {
  const badge = BADGE_MILESTONES.find((m) => m === milestone);
  return badge === undefined ? String(milestone) : t(`marathons.badge_${badge}`);
}

/** The refusals the domain may throw, as a localized text. */
function refusalText(t: Translate, error: unknown): string {
  const code = error instanceof DomainError ? error.code : "unavailable";
  if (code === "consent_required") return t("settings.consent_required");
  if (code === "not_participant") return t("marathons.not_participant");
  return t("marathons.unavailable");
}

async function showList(ctx: BotContext): Promise<void> {
  const list = await listActiveMarathons(ctx.deps.db, ctx.user?.regionCode ?? null);
  const kb = new InlineKeyboard();
  for (const { marathon } of list) kb.text(marathonTitle(marathon, ctx.locale), cb("mr", "o", marathon.id)).row();
  kb.text(ctx.t("common.back"), cb("m", "home"));
  await showScreen(ctx, ctx.t(list.length ? "marathons.list_title" : "marathons.list_empty"), kb);
}

function cardText(ctx: BotContext, view: MarathonView): string {
  const { t, locale } = ctx;
  const { marathon } = view;
  const region = ctx.deps.regions.get(marathon.regionCode);
  const description = locale === "kk" ? marathon.descriptionKk : marathon.descriptionRu;
  const lines = [t("marathons.card_title", { title: marathonTitle(marathon, locale) })];
  if (description.trim()) lines.push(escapeHtml(description.trim()));
  lines.push(
    "",
    region ? t("marathons.card_regional", { region: ctx.deps.regions.name(region, locale) }) : t("marathons.card_national"),
    t("marathons.card_dates", { from: formatDate(marathon.startsAt, locale), to: formatDate(marathon.endsAt, locale) }),
    t("marathons.participants", { count: view.participants }),
    "",
    view.joined
      ? t("marathons.card_joined", { count: view.progress.deeds, hours: formatHours(view.progress.hours, locale) })
      : t("marathons.card_not_joined"),
  );
  return lines.join("\n");
}

function cardKeyboard(t: Translate, view: MarathonView): InlineKeyboard {
  const id = view.marathon.id;
  const kb = new InlineKeyboard();
  if (view.joined) kb.text(t("marathons.btn_report"), cb("mr", "d", id)).row();
  else kb.text(t("marathons.btn_join"), cb("mr", "j", id)).row();
  return kb
    .text(t("marathons.btn_progress"), cb("mr", "p", id))
    .text(t("marathons.btn_leaderboard"), cb("mr", "l", id))
    .row()
    .text(t("marathons.btn_regions"), cb("mr", "r", id))
    .row()
    .text(t("marathons.btn_back_list"), cb("mr", "list"));
}

const backToCard = (t: Translate, id: number) => new InlineKeyboard().text(t("marathons.btn_back_card"), cb("mr", "o", id));

/** Loads the marathon of a pressed button, answering the press itself when the id is stale or not the user's. */
async function pressedMarathon(ctx: BotContext): Promise<MarathonView | undefined> {
  const view = await openMarathon(ctx.deps.db, Number(ctx.match?.[1]), ctx.from!.id);
  if (!view) await ctx.answerCallbackQuery({ text: ctx.t("marathons.unavailable") });
  return view;
}

function progressText(ctx: BotContext, view: MarathonView): string {
  const { t, locale } = ctx;
  const { progress } = view;
  const badgeName = (milestone: number) => badgeLabel(t, milestone);
  const lines = [
    t("marathons.progress_title", { title: marathonTitle(view.marathon, locale) }),
    "",
    t("marathons.progress_deeds", { count: progress.deeds }),
    t("marathons.progress_hours", { hours: formatHours(progress.hours, locale) }),
    progress.badges.length
      ? t("marathons.progress_badges", { list: progress.badges.map(badgeName).join(", ") })
      : t("marathons.progress_no_badges"),
  ];
  if (progress.nextBadge !== null) {
    lines.push("", t("marathons.progress_next", { count: progress.nextBadge - progress.deeds, badge: badgeName(progress.nextBadge) }));
  } else {
    lines.push("", t("marathons.progress_all_badges"));
  }
  if (!view.joined) lines.push("", t("marathons.card_not_joined"));
  return lines.join("\n");
}

async function leaderboardText(ctx: BotContext, view: MarathonView): Promise<string> {
  const { t, locale } = ctx;
  const userId = ctx.from!.id;
  const board = await leaderboard(ctx.deps.db, view.marathon.id, userId);
  const line = (entry: LeaderboardEntry) => {
    const name = entry.firstName ?? t("marathons.anonymous", { rank: entry.rank });
    const text = t("marathons.leaderboard_line", { rank: entry.rank, name, count: entry.deeds, hours: formatHours(entry.hours, locale) });
    return entry.userId === userId ? `<b>${text}</b> ${t("marathons.leaderboard_you")}` : text;
  };
  const lines = [t("marathons.leaderboard_title", { title: marathonTitle(view.marathon, locale) }), ""];
  if (board.top.length === 0) lines.push(t("marathons.leaderboard_empty"));
  lines.push(...board.top.map(line));
  if (board.me) lines.push("", t("marathons.leaderboard_my_place"), line(board.me));
  else if (board.top.length > 0 && !board.top.some((e) => e.userId === userId)) lines.push("", t("marathons.leaderboard_not_ranked"));
  return lines.join("\n");
}

async function regionsText(ctx: BotContext, view: MarathonView): Promise<string> {
  const { t, locale } = ctx;
  const ranking = await regionRanking(ctx.deps.db, view.marathon.id);
  const lines = [t("marathons.regions_title", { title: marathonTitle(view.marathon, locale) }), ""];
  if (ranking.length === 0) lines.push(t("marathons.regions_empty"));
  for (const score of ranking) {
    const region = ctx.deps.regions.get(score.regionCode);
    const name = region ? ctx.deps.regions.name(region, locale) : score.regionCode;
    lines.push(t("marathons.regions_line", { rank: score.rank, region: name, count: score.deeds, volunteers: score.volunteers }));
  }
  lines.push("", t("marathons.regions_note"));
  return lines.join("\n");
}

export const marathonsFeature = new Composer<BotContext>();

marathonsFeature.command("marathons", (ctx) => showList(ctx));
marathonsFeature.callbackQuery([cbPattern("m", "marathons"), cbPattern("mr", "list")], async (ctx) => {
  await ctx.answerCallbackQuery();
  await showList(ctx);
});

marathonsFeature.callbackQuery(cbPattern("mr", "o", 1), async (ctx) => {
  const view = await pressedMarathon(ctx);
  if (!view) return;
  await ctx.answerCallbackQuery();
  await showScreen(ctx, cardText(ctx, view), cardKeyboard(ctx.t, view));
});

marathonsFeature.callbackQuery(cbPattern("mr", "j", 1), async (ctx) => {
  const view = await pressedMarathon(ctx);
  if (!view) return;
  if (hasConsent(ctx.user) && !(await requireProfile(ctx))) return;
  let joinedNow: boolean;
  try {
    joinedNow = await joinMarathon(ctx.deps.db, view.marathon.id, ctx.from.id);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return ctx.answerCallbackQuery({ text: refusalText(ctx.t, error), show_alert: true });
  }
  await ctx.answerCallbackQuery({ text: ctx.t(joinedNow ? "marathons.joined" : "marathons.already_joined") });
  const updated = (await openMarathon(ctx.deps.db, view.marathon.id, ctx.from.id)) ?? view;
  await showScreen(ctx, cardText(ctx, updated), cardKeyboard(ctx.t, updated));
});

marathonsFeature.callbackQuery(cbPattern("mr", "d", 1), async (ctx) => {
  const view = await pressedMarathon(ctx);
  if (!view) return;
  if (!hasConsent(ctx.user)) {
    return ctx.answerCallbackQuery({ text: ctx.t("settings.consent_required"), show_alert: true });
  }
  if (!view.joined) return ctx.answerCallbackQuery({ text: ctx.t("marathons.not_participant"), show_alert: true });
  if (!(await requireProfile(ctx))) return;
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(DEED, view.marathon.id);
});

marathonsFeature.callbackQuery(cbPattern("mr", "p", 1), async (ctx) => {
  const view = await pressedMarathon(ctx);
  if (!view) return;
  await ctx.answerCallbackQuery();
  await showScreen(ctx, progressText(ctx, view), backToCard(ctx.t, view.marathon.id));
});

marathonsFeature.callbackQuery(cbPattern("mr", "l", 1), async (ctx) => {
  const view = await pressedMarathon(ctx);
  if (!view) return;
  await ctx.answerCallbackQuery();
  await showScreen(ctx, await leaderboardText(ctx, view), backToCard(ctx.t, view.marathon.id));
});

marathonsFeature.callbackQuery(cbPattern("mr", "r", 1), async (ctx) => {
  const view = await pressedMarathon(ctx);
  if (!view) return;
  await ctx.answerCallbackQuery();
  await showScreen(ctx, await regionsText(ctx, view), backToCard(ctx.t, view.marathon.id));
});

// ----- reporting a good deed ------------------------------------------------------------------

/** Telegram sends several sizes of a photo; only the largest one's file_id is kept. */
function largestPhoto(sizes: PhotoSize[]): PhotoSize {
  return sizes.reduce((best, size) => (size.width * size.height > best.width * best.height ? size : best));
}

/** Answers a button press of the conversation and takes its keyboard away, so it cannot be pressed twice. */
async function settle(press: InnerContext): Promise<void> {
  await press.answerCallbackQuery();
  await press.editMessageReplyMarkup();
}

/**
 * Text (or a photo whose caption is the text) → optional photo → optional hours → confirm → stored.
 * The marathon is re-checked when the deed is stored, so a marathon that ended meanwhile is refused.
 */
async function reportDeedConversation(conversation: BotConversation, ctx: InnerContext, marathonId: number): Promise<void> {
  const { t, locale } = ctx;
  const userId = ctx.from!.id;
  // Kept in the log from the first step on: a replay of the save after a crash finds the stored deed.
  const idempotencyKey = await conversation.external(() => `mrd:${randomUUID()}`);
  const title = await conversation.external(async () => {
    const view = await openMarathon(ctx.deps.db, marathonId, userId);
    return view ? marathonTitle(view.marathon, locale) : null;
  });
  if (title === null) {
    await ctx.reply(t("marathons.unavailable"));
    return;
  }

  // 1. What was done: text, or a photo with the text as its caption. A photo without a caption is kept (once) and
  // the text asked for; everything refused is forgotten (not kept in the log).
  await ctx.reply(t("marathons.deed_prompt", { title, max: DEED_TEXT_MAX }));
  let text: string | undefined;
  let photoFileId: string | null = null;
  while (text === undefined) {
    const reply = await conversation.waitFor(["message:text", "message:photo"], { otherwise: hint("marathons.deed_hint") }).andFrom(userId);
    const { photo } = reply.message;
    const raw = photo ? (reply.message.caption ?? "") : reply.message.text!;
    if (!photo && raw.startsWith("/")) await reject(conversation, reply, t("marathons.deed_hint"));
    const checked = checkDeedText(raw);
    if ("text" in checked) {
      text = checked.text;
      if (photo) photoFileId = largestPhoto(photo).file_id;
    } else if (checked.error === "text_too_long") {
      await reject(conversation, reply, t("marathons.deed_text_too_long", { length: charLength(raw.trim()), max: DEED_TEXT_MAX }));
    } else if (photo && photoFileId === null) {
      photoFileId = largestPhoto(photo).file_id;
      await reply.reply(t("marathons.deed_photo_needs_text"));
    } else {
      await reject(conversation, reply, t(photo ? "marathons.deed_photo_needs_text" : "marathons.deed_hint"));
    }
  }

  // 2. A photo, unless one came with the text
  if (photoFileId === null) {
    const prompt = await ctx.reply(t("marathons.deed_photo_prompt"), {
      reply_markup: new InlineKeyboard().text(t("marathons.btn_skip_photo"), cb("mrd", "nophoto")),
    });
    const answer = await conversation
      .waitFor(["message:photo", "callback_query:data"], { otherwise: hint("marathons.deed_photo_hint") })
      .andFrom(userId);
    if (answer.message?.photo) {
      photoFileId = largestPhoto(answer.message.photo).file_id;
      await ctx.api.editMessageReplyMarkup(prompt.chat.id, prompt.message_id);
    } else if (answer.callbackQuery?.data === cb("mrd", "nophoto")) {
      await settle(answer);
    } else {
      await reject(conversation, answer, t("common.stale_button"));
    }
  }

  // 3. Hours, optional: a button or a typed number
  const hoursKeyboard = new InlineKeyboard();
  for (const choice of HOUR_CHOICES) hoursKeyboard.text(t("marathons.btn_hours", { hours: formatHours(choice, locale) }), cb("mrd", "h", choice));
  hoursKeyboard.row().text(t("marathons.btn_skip_hours"), cb("mrd", "nohours"));
  const hoursPrompt = await ctx.reply(t("marathons.deed_hours_prompt"), { reply_markup: hoursKeyboard });
  let hours: number | null = null;
  const answer = await conversation
    .waitFor(["message:text", "callback_query:data"], { otherwise: hint("marathons.deed_hours_hint") })
    .andFrom(userId);
  const data = answer.callbackQuery?.data;
  if (data !== undefined) {
    const picked = cbPattern("mrd", "h", 1).exec(data);
    const pickedHours = picked ? parseDeedHours(picked[1]!) : undefined;
    if (data !== cb("mrd", "nohours") && pickedHours === undefined) await reject(conversation, answer, t("common.stale_button"));
    hours = pickedHours ?? null;
    await settle(answer);
  } else {
    const typed = parseDeedHours(answer.message!.text!);
    if (typed === undefined) await reject(conversation, answer, t("marathons.deed_hours_hint"));
    hours = typed!;
    await ctx.api.editMessageReplyMarkup(hoursPrompt.chat.id, hoursPrompt.message_id);
  }

  // 4. Confirm
  const summary = t("marathons.deed_confirm", {
    text,
    photo: t(photoFileId ? "marathons.deed_photo_yes" : "marathons.deed_photo_no"),
    hours: hours === null ? t("marathons.deed_hours_none") : formatHours(hours, locale),
  });
  await ctx.reply(summary, {
    reply_markup: new InlineKeyboard()
      .text(t("marathons.btn_save"), cb("mrd", "save"))
      .text(t("marathons.btn_discard"), cb("mrd", "drop")),
  });
  const decision = await conversation
    .waitForCallbackQuery([cbPattern("mrd", "save"), cbPattern("mrd", "drop")], { otherwise: hint("marathons.deed_confirm_hint") })
    .andFrom(userId);
  await settle(decision);
  const afterwards = new InlineKeyboard()
    .text(t("marathons.btn_report_more"), cb("mr", "d", marathonId))
    .row()
    .text(t("marathons.btn_back_card"), cb("mr", "o", marathonId));
  if (decision.callbackQuery.data === cb("mrd", "drop")) {
    await ctx.reply(t("marathons.deed_discarded"), { reply_markup: afterwards });
    return;
  }

  const input = { marathonId, userId, text, photoFileId, hours, idempotencyKey };
  const result = await conversation.external(async () => {
    try {
      return { stored: true as const, ...(await reportDeed(ctx.deps.db, input)) };
    } catch (error) {
      if (error instanceof DomainError) return { stored: false as const, code: error.code };
      throw error;
    }
  });
  if (!result.stored) {
    await ctx.reply(refusalText(t, new DomainError(result.code)));
    return;
  }
  const lines = [t("marathons.deed_saved", { count: result.deeds, hours: formatHours(result.hours, locale) })];
  if (result.badge !== null) lines.push("", t("marathons.deed_badge", { badge: badgeLabel(t, result.badge) }));
  await ctx.reply(lines.join("\n"), { reply_markup: afterwards });
}

/** Bump when the steps change (bot/conversations/registry.ts). */
const DEED_VERSION = 2;

export const marathonsConversations: ConversationSpec[] = [defineConversation(DEED, DEED_VERSION, "chats.dropped_marathon_deed", reportDeedConversation)];
