import { InlineKeyboard, Keyboard } from "grammy";
import {
  dayKey,
  defaultHours,
  nextDays,
  parseCapacity,
  parseCreditedHours,
  parseDayKey,
  parseEnd,
  parseStart,
  parseTimeOfDay,
} from "../../../domain/action-time";
import { type ActionChange, MAX_ADDRESS, MAX_DESCRIPTION, MAX_TITLE } from "../../../domain/authoring";
import { CATEGORIES, CATEGORY_ICONS, type Category, isCategory } from "../../../domain/categories";
import { cleanText } from "../../../domain/text";
import { isValidPoint } from "../../../domain/users";
import { localMoment } from "../../../core/time";
import type { Locale } from "../../../i18n";
import { formatDateTime, formatHours, formatWeekdayDate } from "../../../i18n/format";
import { cb } from "../../callback-data";
import type { BotConversation, InnerContext } from "../../context";
import { hint, reject } from "../../conversations/wait";
import { type Field, plain } from "./views";

/**
 * The steps of writing an action, shared by /newaction and the editing of one field of a published action. Each
 * step asks, waits, explains a wrong answer and waits again (conversation.skip forgets the wrong answer), and returns
 * only a valid value: no step is a dead end. Buttons carry `na:` callback data.
 */
export interface Step {
  conversation: BotConversation;
  ctx: InnerContext;
  userId: number;
  now: Date;
}

const WAIT_ANY = ["message:text", "callback_query:data"] as const;

async function waitAnswer(
  { conversation, userId }: Step,
  hintKey: Parameters<typeof hint>[0],
  params?: Record<string, unknown>,
) {
  return conversation.waitFor([...WAIT_ANY], { otherwise: hint(hintKey, params) }).andFrom(userId);
}

/** A press answered and its buttons taken away (the chosen value is in the next message). */
async function settle(answer: InnerContext): Promise<void> {
  await answer.answerCallbackQuery();
  await answer.editMessageReplyMarkup();
}

export async function askWriteLanguage(step: Step): Promise<Locale> {
  const { ctx, conversation } = step;
  const { t, locale } = ctx;
  const order: Locale[] = locale === "ru" ? ["ru", "kk"] : ["kk", "ru"];
  const kb = new InlineKeyboard();
  for (const l of order) kb.text(t(`authoring.lang_${l}`), cb("na", "lang", l));
  await ctx.reply(t("authoring.ask_language"), { reply_markup: kb });
  const answer = await waitAnswer(step, "authoring.use_buttons");
  const data = answer.callbackQuery?.data;
  if (data !== cb("na", "lang", "kk") && data !== cb("na", "lang", "ru"))
    return reject(conversation, answer, answer.callbackQuery ? t("common.stale_button") : t("authoring.use_buttons"));
  await settle(answer);
  return data.endsWith("kk") ? "kk" : "ru";
}

export interface TextAsk {
  prompt: string;
  max: number;
  multiline?: boolean;
  /** The label of a button that leaves the text out (returns null). */
  skipLabel?: string;
}

/** A text typed by the organizer, cleaned (text.ts); null when they pressed the skip button. */
export async function askText(step: Step, ask: TextAsk): Promise<string | null> {
  const { ctx, conversation } = step;
  const { t } = ctx;
  const kb = ask.skipLabel ? new InlineKeyboard().text(ask.skipLabel, cb("na", "skip")) : undefined;
  await ctx.reply(ask.prompt, { reply_markup: kb });
  const answer = await waitAnswer(step, "authoring.text_hint", { max: ask.max });
  if (answer.callbackQuery) {
    if (!ask.skipLabel || answer.callbackQuery.data !== cb("na", "skip"))
      return reject(conversation, answer, t("common.stale_button"));
    await settle(answer);
    return null;
  }
  const checked = cleanText(answer.message!.text, { max: ask.max, multiline: ask.multiline });
  if ("error" in checked)
    return reject(
      conversation,
      answer,
      t(checked.error === "too_long" ? "authoring.text_too_long" : "authoring.text_hint", { max: ask.max }),
    );
  return checked.text;
}

export async function askCategory(step: Step): Promise<Category> {
  const { ctx, conversation } = step;
  const { t } = ctx;
  const kb = new InlineKeyboard();
  CATEGORIES.forEach((category, i) => {
    kb.text(`${CATEGORY_ICONS[category]} ${t(`categories.${category}`)}`, cb("na", "cat", category));
    if (i % 2 === 1) kb.row();
  });
  await ctx.reply(t("authoring.ask_category"), { reply_markup: kb });
  const answer = await waitAnswer(step, "authoring.use_buttons");
  const picked = /^na:cat:([a-z]+)$/.exec(answer.callbackQuery?.data ?? "")?.[1];
  if (!isCategory(picked))
    return reject(conversation, answer, answer.callbackQuery ? t("common.stale_button") : t("authoring.use_buttons"));
  await answer.answerCallbackQuery();
  await answer.editMessageText(
    t("authoring.category_chosen", { category: `${CATEGORY_ICONS[picked]} ${t(`categories.${picked}`)}` }),
  );
  return picked;
}

const TIME_BUTTONS = ["0800", "0900", "1000", "1100", "1200", "1400", "1500", "1600", "1800"];

/** The start: typed (`05.12 10:00`, `ертең 10:00`…) or a day button and then a time button or a typed time. */
export async function askStart(step: Step): Promise<Date> {
  const { ctx, conversation, now } = step;
  const { t, locale } = ctx;
  const days = nextDays(now, 7);
  const kb = new InlineKeyboard();
  days.forEach((d, i) => {
    kb.text(dayLabel(locale, d, now), cb("na", "day", dayKey(d)));
    if (i % 2 === 1) kb.row();
  });
  await ctx.reply(t("authoring.ask_start"), { reply_markup: kb });
  const answer = await waitAnswer(step, "authoring.start_format");
  if (answer.message) {
    const parsed = parseStart(answer.message.text!, now);
    if ("error" in parsed) return reject(conversation, answer, t(`authoring.start_${parsed.error}`));
    return parsed.at;
  }
  const day = parseDayKey(/^na:day:(\d{8})$/.exec(answer.callbackQuery!.data ?? "")?.[1] ?? "");
  if (!day) return reject(conversation, answer, t("common.stale_button"));
  await answer.answerCallbackQuery();
  const times = new InlineKeyboard();
  TIME_BUTTONS.forEach((hhmm, i) => {
    times.text(`${hhmm.slice(0, 2)}:${hhmm.slice(2)}`, cb("na", "tm", hhmm));
    if (i % 3 === 2) times.row();
  });
  await answer.editMessageText(t("authoring.ask_time", { day: dayLabel(locale, day, now) }), {
    reply_markup: times,
  });
  const timeAnswer = await waitAnswer(step, "authoring.time_format");
  const minute = timeAnswer.message
    ? parseTimeOfDay(timeAnswer.message.text!)
    : (() => {
        const hhmm = /^na:tm:(\d{4})$/.exec(timeAnswer.callbackQuery!.data ?? "")?.[1];
        return hhmm ? parseTimeOfDay(`${hhmm.slice(0, 2)}:${hhmm.slice(2)}`) : undefined;
      })();
  if (minute === undefined) {
    // A full date typed here is fine too.
    const typed = timeAnswer.message ? parseStart(timeAnswer.message.text!, now) : undefined;
    if (typed && "at" in typed) return typed.at;
    return reject(
      conversation,
      timeAnswer,
      timeAnswer.callbackQuery ? t("common.stale_button") : t("authoring.time_format"),
    );
  }
  const at = localMoment(day.year, day.month, day.day, minute);
  if (at <= now) return reject(conversation, timeAnswer, t("authoring.start_past"), Boolean(timeAnswer.callbackQuery));
  if (timeAnswer.callbackQuery) await settle(timeAnswer);
  return at;
}

/** A day button: kk `бүгін, сейсенбі`, `5 желтоқсан, бейсенбі`; ru `сегодня, вторник`, `четверг, 5 декабря`. */
function dayLabel(locale: Locale, d: { year: number; month: number; day: number }, now: Date): string {
  return formatWeekdayDate(localMoment(d.year, d.month, d.day, 12 * 60), locale, now);
}

export async function askEnd(step: Step, start: Date): Promise<Date> {
  const { ctx, conversation } = step;
  const { t, locale } = ctx;
  const kb = new InlineKeyboard();
  for (const h of [1, 2, 3, 4]) kb.text(t("authoring.btn_duration", { hours: h, ...plain }), cb("na", "dur", h));
  await ctx.reply(t("authoring.ask_end", { start: formatDateTime(start, locale) }), { reply_markup: kb });
  const answer = await waitAnswer(step, "authoring.end_format");
  if (answer.callbackQuery) {
    const hours = Number(/^na:dur:([1-4])$/.exec(answer.callbackQuery.data ?? "")?.[1] ?? Number.NaN);
    if (!Number.isFinite(hours)) return reject(conversation, answer, t("common.stale_button"));
    await settle(answer);
    return new Date(start.getTime() + hours * 3_600_000);
  }
  const parsed = parseEnd(answer.message!.text!, start);
  if ("error" in parsed) return reject(conversation, answer, t(`authoring.end_${parsed.error}`));
  return parsed.at;
}

export interface PlaceAnswer {
  latitude: number;
  longitude: number;
  hasPin: boolean;
  address: string | null;
}

const locationKeyboard = (t: InnerContext["t"], extra?: string) => {
  const kb = new Keyboard().requestLocation(t("authoring.btn_share_pin"));
  if (extra) kb.row().text(extra);
  return kb.resized().oneTime();
};

/**
 * The place: a shared pin or a typed address (in `language`), then the other one is offered (or skipped). With
 * only an address the region's center stands in and hasPin is false.
 */
export async function askPlace(
  step: Step,
  language: Locale,
  center: { latitude: number; longitude: number },
  maxAddress: number,
): Promise<PlaceAnswer> {
  const { ctx, conversation, userId } = step;
  const { t } = ctx;
  const noAddressLabel = t("authoring.btn_no_address");
  await ctx.reply(t("authoring.ask_place", { language: t(`authoring.in_${language}`) }), {
    reply_markup: locationKeyboard(t),
  });
  const first = await conversation
    .waitFor(["message:location", "message:text"], { otherwise: hint("authoring.place_hint") })
    .andFrom(userId);
  const shared = first.message.location;
  if (shared) {
    if (!isValidPoint(shared)) return reject(conversation, first, t("authoring.place_hint"));
    const point = { latitude: shared.latitude, longitude: shared.longitude };
    // The pin is there; an address helps people find the entrance.
    await ctx.reply(t("authoring.ask_address_after_pin", { language: t(`authoring.in_${language}`) }), {
      reply_markup: new Keyboard().text(noAddressLabel).resized().oneTime(),
    });
    const typed = await conversation
      .waitFor("message:text", { otherwise: hint("authoring.text_hint", { max: maxAddress }) })
      .andFrom(userId);
    let address: string | null = null;
    if (typed.message.text !== noAddressLabel) {
      const checked = cleanText(typed.message.text, { max: maxAddress });
      if ("error" in checked) return reject(conversation, typed, t("authoring.text_too_long", { max: maxAddress }));
      address = checked.text;
    }
    await ctx.reply(t("authoring.place_saved"), { reply_markup: { remove_keyboard: true } });
    return { ...point, hasPin: true, address };
  }
  const checked = cleanText(first.message.text, { max: maxAddress });
  if ("error" in checked)
    return reject(
      conversation,
      first,
      t(checked.error === "too_long" ? "authoring.text_too_long" : "authoring.place_hint", { max: maxAddress }),
    );
  const pin = await askPin(step, center, "authoring.ask_pin_after_address");
  return { ...pin, address: checked.text };
}

/** A pin (after an address, or a new one for a published action), or "no pin" for the region's center. */
export async function askPin(
  step: Step,
  center: { latitude: number; longitude: number },
  prompt: "authoring.ask_pin" | "authoring.ask_pin_after_address" = "authoring.ask_pin",
): Promise<{ latitude: number; longitude: number; hasPin: boolean }> {
  const { ctx, conversation, userId } = step;
  const { t } = ctx;
  const noPinLabel = t("authoring.btn_no_pin");
  await ctx.reply(t(prompt), { reply_markup: locationKeyboard(t, noPinLabel) });
  const pin = await conversation
    .waitFor(["message:location", "message:text"], { otherwise: hint("authoring.pin_hint") })
    .andFrom(userId);
  const shared = pin.message.location;
  if (!shared && pin.message.text !== noPinLabel) return reject(conversation, pin, t("authoring.pin_hint"));
  if (shared && !isValidPoint(shared)) return reject(conversation, pin, t("authoring.pin_hint"));
  await ctx.reply(t("authoring.place_saved"), { reply_markup: { remove_keyboard: true } });
  return shared
    ? { latitude: shared.latitude, longitude: shared.longitude, hasPin: true }
    : { ...center, hasPin: false };
}

export async function askCapacity(step: Step): Promise<number | null> {
  const { ctx, conversation } = step;
  const { t } = ctx;
  await ctx.reply(t("authoring.ask_capacity"), {
    reply_markup: new InlineKeyboard().text(t("authoring.btn_unlimited"), cb("na", "unl")),
  });
  const answer = await waitAnswer(step, "authoring.capacity_hint");
  if (answer.callbackQuery) {
    if (answer.callbackQuery.data !== cb("na", "unl")) return reject(conversation, answer, t("common.stale_button"));
    await settle(answer);
    return null;
  }
  const capacity = parseCapacity(answer.message!.text!);
  if (capacity === undefined) return reject(conversation, answer, t("authoring.capacity_hint"));
  return capacity;
}

export async function askHours(step: Step, start: Date, end: Date): Promise<number> {
  const { ctx, conversation } = step;
  const { t, locale } = ctx;
  const suggested = defaultHours(start, end);
  await ctx.reply(t("authoring.ask_hours"), {
    reply_markup: new InlineKeyboard().text(
      t("authoring.btn_hours", { hours: formatHours(suggested, locale), ...plain }),
      cb("na", "hrs", String(suggested)),
    ),
  });
  const answer = await waitAnswer(step, "authoring.hours_hint");
  if (answer.callbackQuery) {
    if (answer.callbackQuery.data !== cb("na", "hrs", String(suggested)))
      return reject(conversation, answer, t("common.stale_button"));
    await settle(answer);
    return suggested;
  }
  const hours = parseCreditedHours(answer.message!.text!);
  if (hours === undefined) return reject(conversation, answer, t("authoring.hours_hint"));
  return hours;
}

export async function askMarathon(
  step: Step,
  choices: ReadonlyArray<{ id: number; title: string }>,
): Promise<number | null> {
  const { ctx, conversation } = step;
  const { t } = ctx;
  const kb = new InlineKeyboard();
  for (const m of choices) kb.text(m.title.slice(0, 60), cb("na", "mar", m.id)).row();
  kb.text(t("authoring.btn_no_marathon"), cb("na", "skip"));
  await ctx.reply(t("authoring.ask_marathon"), { reply_markup: kb });
  const answer = await waitAnswer(step, "authoring.use_buttons");
  const data = answer.callbackQuery?.data;
  if (data === cb("na", "skip")) {
    await settle(answer);
    return null;
  }
  const picked = choices.find((m) => data === cb("na", "mar", m.id));
  if (!picked)
    return reject(conversation, answer, answer.callbackQuery ? t("common.stale_button") : t("authoring.use_buttons"));
  await settle(answer);
  return picked.id;
}

export async function askWalkIns(step: Step): Promise<boolean> {
  const { ctx, conversation } = step;
  const { t } = ctx;
  await ctx.reply(t("authoring.ask_walkins"), {
    reply_markup: new InlineKeyboard()
      .text(t("authoring.btn_yes"), cb("na", "walk", "y"))
      .text(t("authoring.btn_no"), cb("na", "walk", "n")),
  });
  const answer = await waitAnswer(step, "authoring.use_buttons");
  const data = answer.callbackQuery?.data;
  if (data !== cb("na", "walk", "y") && data !== cb("na", "walk", "n"))
    return reject(conversation, answer, answer.callbackQuery ? t("common.stale_button") : t("authoring.use_buttons"));
  await settle(answer);
  return data === cb("na", "walk", "y");
}

/** What a field's step needs to know of the action or draft being changed. */
export interface FieldContext {
  titleKk: string | null;
  titleRu: string | null;
  startsAt: string;
  endsAt: string;
  center: { latitude: number; longitude: number };
  marathons: ReadonlyArray<{ id: number; title: string }>;
  /** The place step: by default a new pin (a draft asks for the pin and the address together). */
  askPlace?: (step: Step) => Promise<ActionChange>;
}

type TextColumn = "titleKk" | "titleRu" | "descriptionKk" | "descriptionRu" | "addressKk" | "addressRu";
const TEXT_FIELDS: Partial<Record<Field, [TextColumn, "title" | "description" | "address", Locale, number]>> = {
  tk: ["titleKk", "title", "kk", MAX_TITLE],
  tr: ["titleRu", "title", "ru", MAX_TITLE],
  dk: ["descriptionKk", "description", "kk", MAX_DESCRIPTION],
  dr: ["descriptionRu", "description", "ru", MAX_DESCRIPTION],
  ak: ["addressKk", "address", "kk", MAX_ADDRESS],
  ar: ["addressRu", "address", "ru", MAX_ADDRESS],
};

/**
 * Asks one field again ("Edit a field" of the preview, ✏️ of a published action) and returns the change. A title
 * can be removed only while the other language has one; descriptions and addresses can always be removed.
 */
export async function askFieldChange(step: Step, field: Field, current: FieldContext): Promise<ActionChange> {
  const { t } = step.ctx;
  const text = TEXT_FIELDS[field];
  if (text) {
    const [column, kind, l, max] = text;
    const removable = kind !== "title" || Boolean(l === "kk" ? current.titleRu : current.titleKk);
    const value = await askText(step, {
      prompt: t(`authoring.ask_${kind}`, { language: t(`authoring.in_${l}`), max }),
      max,
      multiline: kind === "description",
      skipLabel: removable ? t("authoring.btn_remove") : undefined,
    });
    return { [column]: value };
  }
  switch (field) {
    case "cat":
      return { category: await askCategory(step) };
    case "st":
      return { startsAt: (await askStart(step)).toISOString() };
    case "en":
      return { endsAt: (await askEnd(step, new Date(current.startsAt))).toISOString() };
    case "pl":
      return current.askPlace ? current.askPlace(step) : askPin(step, current.center);
    case "cap":
      return { capacity: await askCapacity(step) };
    case "hr":
      return { hours: await askHours(step, new Date(current.startsAt), new Date(current.endsAt)) };
    case "mar":
      return { marathonId: await askMarathon(step, current.marathons) };
    default:
      return { walkIns: await askWalkIns(step) };
  }
}
