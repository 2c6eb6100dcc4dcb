import { randomUUID } from "node:crypto";
import { isCategory } from "../../../domain/categories";
import {
  HoursError,
  isIsoDay,
  isValidHours,
  localDay,
  MAX_NOTE_LENGTH,
  MAX_ORGANIZATION_LENGTH,
  pastJoinedActions,
  remainingHoursOn,
  reportableDays,
  reportHours,
  shiftDay,
} from "../../../domain/hours";
import { dottedDay } from "../../../domain/volunteer-book";
import { cleanText } from "../../../domain/text";
import { isOneOf } from "../../../core/one-of";
import { showStep } from "../../screen";
import { bookNameConversation } from "./name.conversation";
import { cb, cbPattern } from "../../callback-data";
import type { BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";
import {
  amount,
  dayInWords,
  logCategoryKeyboard,
  logDayKeyboard,
  logNoteKeyboard,
  logSourceKeyboard,
  toHoursKeyboard,
} from "./views";

export const HOURS_LOG = "hoursLog";

// ----- self-reported hours: a conversation ------------------------------------------------------------------------

/** "12.03.2026" (also 12/03/2026, 12-03-2026, 1.3.2026) → "2026-03-12"; undefined when it is not a real day. */
function parseTypedDay(text: string): string | undefined {
  const match = /^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$/.exec(text);
  if (!match) return undefined;
  const day = `${match[3]}-${match[2]!.padStart(2, "0")}-${match[1]!.padStart(2, "0")}`;
  return isIsoDay(day) ? day : undefined;
}

/** "2,5", "2.5", "3" → a number; undefined for anything else. */
function parseTypedHours(text: string): number | undefined {
  const match = /^\s*(\d{1,2})(?:[.,](\d))?\s*$/.exec(text);
  if (!match) return undefined;
  const hours = Number(`${match[1]}.${match[2] ?? "0"}`);
  return isValidHours(hours) ? hours : undefined;
}

interface Target {
  actionId?: number;
  organizationName?: string;
  category?: string;
  /** What the user sees: the action's title or the organization. */
  what: string;
  /** The action's day, offered as a date button. */
  actionDay?: string;
}

/** Bump when the steps change (bot/conversations/registry.ts). */
const HOURS_LOG_VERSION = 2;

async function logHours(conversation: BotConversation, ctx: InnerContext): Promise<void> {
  const { t, locale } = ctx;
  const { db } = ctx.deps;
  const userId = ctx.from!.id;
  // Kept in the log from the first step on: a replay of the save after a crash finds the stored claim.
  const idempotencyKey = await conversation.external(() => `hl:${randomUUID()}`);
  const now = new Date(await conversation.now());
  const { earliest, latest: today } = reportableDays(now);
  const joined = await conversation.external(() => pastJoinedActions(db, userId, locale, now));

  // 1. An action the user joined, or another organization
  let target: Target | undefined;
  if (joined.length > 0) {
    await ctx.reply(t("hours.log_source_prompt"), { reply_markup: logSourceKeyboard(t, joined) });
    const pick = await conversation
      .waitForCallbackQuery([cbPattern("hl", "a", 1), cbPattern("hl", "org")], {
        otherwise: hint("hours.log_source_hint"),
      })
      .andFrom(userId);
    if (pick.match[1] === undefined) {
      await pick.answerCallbackQuery();
      await showStep(pick, t("hours.log_org_prompt", { max: MAX_ORGANIZATION_LENGTH }));
    } else {
      // Only the actions offered here: an id from elsewhere is a stale or forged button.
      const action = joined.find((a) => String(a.id) === pick.match[1]);
      if (!action) return reject(conversation, pick, t("common.stale_button"));
      await pick.answerCallbackQuery();
      await showStep(pick, t("hours.log_source_chosen", { title: action.title }));
      target = { actionId: action.id, what: action.title, actionDay: localDay(new Date(action.startsAt)) };
    }
  } else {
    await ctx.reply(t("hours.log_org_prompt", { max: MAX_ORGANIZATION_LENGTH }));
  }

  if (!target) {
    const orgHint = t("hours.log_org_hint", { max: MAX_ORGANIZATION_LENGTH });
    const reply = await conversation
      .waitFor("message:text", { otherwise: hint("hours.log_org_hint", { max: MAX_ORGANIZATION_LENGTH }) })
      .andFrom(userId);
    const checked = cleanText(reply.message.text, { max: MAX_ORGANIZATION_LENGTH });
    if ("error" in checked || checked.text.startsWith("/")) return reject(conversation, reply, orgHint);
    const organizationName = checked.text;
    await ctx.reply(t("hours.log_category_prompt", { name: organizationName }), {
      reply_markup: logCategoryKeyboard(t),
    });
    const pick = await conversation
      .waitForCallbackQuery([cbPattern("hl", "c", 1), cbPattern("hl", "cskip")], {
        otherwise: hint("hours.log_category_hint"),
      })
      .andFrom(userId);
    const category = pick.match[1];
    if (category !== undefined && !isCategory(category)) return reject(conversation, pick, t("common.stale_button"));
    await pick.answerCallbackQuery();
    await showStep(
      pick,
      t("hours.log_org_chosen", { name: organizationName, category: category ? t(`categories.${category}`) : "—" }),
    );
    target = { organizationName, category, what: organizationName };
  }

  // 2. The day: today, yesterday, the action's day, or typed
  const yesterday = shiftDay(today, { days: -1 });
  const example = dottedDay(yesterday);
  const actionDay =
    target.actionDay && target.actionDay < yesterday && target.actionDay >= earliest ? target.actionDay : undefined;
  await ctx.reply(t("hours.log_date_prompt", { example }), {
    reply_markup: logDayKeyboard(t, today, yesterday, actionDay),
  });
  const answer = await conversation
    .waitFor(["callback_query:data", "message:text"], { otherwise: hint("hours.log_date_hint", { example }) })
    .andFrom(userId);
  const picked = answer.callbackQuery
    ? /^hl:d:(\d{4}-\d{2}-\d{2})$/.exec(answer.callbackQuery.data ?? "")?.[1]
    : parseTypedDay(answer.message!.text!);
  if (!picked || !isIsoDay(picked)) {
    return reject(
      conversation,
      answer,
      answer.callbackQuery ? t("common.stale_button") : t("hours.log_date_hint", { example }),
    );
  }
  const day = picked;
  if (day > today) return reject(conversation, answer, t("hours.log_date_future"), true);
  if (day < earliest)
    return reject(conversation, answer, t("hours.log_date_too_old", { date: dayInWords(earliest, locale) }), true);
  const remaining = await conversation.external(() => remainingHoursOn(db, userId, day));
  if (remaining < 0.5)
    return reject(conversation, answer, t("hours.log_day_full", { date: dayInWords(day, locale) }), true);
  if (answer.callbackQuery) {
    await answer.answerCallbackQuery();
    await showStep(answer, t("hours.log_date_chosen", { date: dayInWords(day, locale) }));
  }

  // 3. How many hours
  await ctx.reply(t("hours.log_hours_prompt"));
  const typed = await conversation.waitFor("message:text", { otherwise: hint("hours.log_hours_hint") }).andFrom(userId);
  const hours = parseTypedHours(typed.message.text);
  if (hours === undefined) return reject(conversation, typed, t("hours.log_hours_hint"));
  if (hours > remaining) {
    return reject(
      conversation,
      typed,
      t("hours.log_hours_limit", { date: dayInWords(day, locale), amount: amount(t, locale, remaining) }),
    );
  }

  // 4. An optional note
  await ctx.reply(t("hours.log_note_prompt", { max: MAX_NOTE_LENGTH }), {
    reply_markup: logNoteKeyboard(t),
  });
  const noteAnswer = await conversation
    .waitFor(["callback_query:data", "message:text"], {
      otherwise: hint("hours.log_note_hint", { max: MAX_NOTE_LENGTH }),
    })
    .andFrom(userId);
  let note: string | undefined;
  if (noteAnswer.callbackQuery) {
    if (noteAnswer.callbackQuery.data !== cb("hl", "nskip"))
      return reject(conversation, noteAnswer, t("common.stale_button"));
    await noteAnswer.answerCallbackQuery();
    await noteAnswer.editMessageReplyMarkup();
  } else {
    const checked = cleanText(noteAnswer.message!.text, { max: MAX_NOTE_LENGTH, multiline: true });
    if ("error" in checked || checked.text.startsWith("/"))
      return reject(conversation, noteAnswer, t("hours.log_note_hint", { max: MAX_NOTE_LENGTH }));
    note = checked.text;
  }

  // 5. Save (the domain checks everything again: the daily limit may have changed meanwhile)
  const report = {
    userId,
    actionId: target.actionId,
    organizationName: target.organizationName,
    category: target.category,
    date: day,
    hours,
    note,
    idempotencyKey,
  };
  const outcome = await conversation.external(async () => {
    try {
      await reportHours(db, report);
      return { ok: true as const };
    } catch (error) {
      if (error instanceof HoursError) return { ok: false as const, code: error.code, remaining: error.remaining ?? 0 };
      throw error;
    }
  });
  const back = toHoursKeyboard(t);
  if (outcome.ok) {
    await ctx.reply(
      t("hours.log_saved", { amount: amount(t, locale, hours), date: dayInWords(day, locale), what: target.what }),
      {
        reply_markup: back,
      },
    );
    return;
  }
  const known = ["daily_limit", "already_reported", "not_participant", "consent_required"] as const;
  await ctx.reply(
    t(isOneOf(known, outcome.code) ? `hours.error_${outcome.code}` : "hours.error_generic", {
      amount: amount(t, locale, outcome.remaining),
    }),
    { reply_markup: back },
  );
}

/** The conversations of this feature; installed after the conversations plugin (bot/index.ts). */
export const hoursConversations: ConversationSpec[] = [
  defineConversation(HOURS_LOG, HOURS_LOG_VERSION, "chats.dropped_hoursLog", logHours),
  bookNameConversation,
];
