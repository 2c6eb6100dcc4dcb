import { InlineKeyboard } from "grammy";
import { coordinates, staffOf } from "../../../domain/access";
import {
  addMeeting,
  appointClubCoordinator,
  clubById,
  clubName,
  createClub,
  inviteMember,
  managedClub,
  moveClub,
  renameClub,
  setCoordinatorPhone,
} from "../../../domain/clubs";
import { cleanText } from "../../../domain/text";
import { cb, cbPattern } from "../../callback-data";
import type { BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";
import { hhmm, sendPhoneKeyboard, weekdayKeyboard, weekdayName } from "./views";

export const CLUB_NEW = "clubNew";
export const CLUB_MEETING = "clubMeeting";
export const CLUB_CONTACT = "clubContact";
export const CLUB_EDIT = "clubEdit";
export const CLUB_PHONE = "clubPhone";

/** "-" (or "—") means "none" in an optional step. */
const isSkip = (text: string) => /^\s*[-—–]\s*$/.test(text);

/** Names in Kazakh and Russian: one may be skipped with "-", not both. */
async function askNames(conversation: BotConversation, ctx: InnerContext): Promise<[string | null, string | null]> {
  const { t } = ctx;
  const userId = ctx.from!.id;
  const names: Array<string | null> = [];
  for (const key of ["clubs.new_name_kk", "clubs.new_name_ru"] as const) {
    await ctx.reply(t(key));
    for (;;) {
      const reply = await conversation
        .waitFor("message:text", { otherwise: hint("clubs.new_name_hint") })
        .andFrom(userId);
      if (isSkip(reply.message.text)) {
        if (key === "clubs.new_name_ru" && names[0] === null) {
          await reply.reply(t("clubs.new_name_hint"));
          continue;
        }
        names.push(null);
        break;
      }
      const checked = cleanText(reply.message.text, { max: 120 });
      if ("error" in checked || checked.text.length < 2 || checked.text.startsWith("/")) {
        await reply.reply(t("clubs.new_name_hint"));
        continue;
      }
      names.push(checked.text);
      break;
    }
  }
  return [names[0] ?? null, names[1] ?? null];
}

async function askAddress(conversation: BotConversation, ctx: InnerContext): Promise<string> {
  const { t } = ctx;
  const userId = ctx.from!.id;
  await ctx.reply(t("clubs.new_address"));
  for (;;) {
    const reply = await conversation
      .waitFor("message:text", { otherwise: hint("clubs.new_address_hint") })
      .andFrom(userId);
    const checked = cleanText(reply.message.text, { max: 300 });
    if (!("error" in checked) && checked.text.length >= 3) return checked.text;
    await reply.reply(t("clubs.new_address_hint"));
  }
}

/** A location, or "-" (null); anything else gets the hint and is waited for again. */
async function askPin(
  conversation: BotConversation,
  ctx: InnerContext,
): Promise<{ latitude: number; longitude: number } | null> {
  const pin = await conversation
    .waitFor(["message:location", "message:text"], { otherwise: hint("clubs.new_pin_hint") })
    .andFrom(ctx.from!.id);
  if (pin.message?.location)
    return { latitude: pin.message.location.latitude, longitude: pin.message.location.longitude };
  if (isSkip(pin.message?.text ?? "")) return null;
  return reject(conversation, pin, ctx.t("clubs.new_pin_hint"));
}

/** /newclub: region, names in Kazakh and Russian (one may be skipped), address, pin. Front offices only. */
async function newClub(conversation: BotConversation, ctx: InnerContext): Promise<void> {
  const { t, locale } = ctx;
  const { db, adminIds, regions } = ctx.deps;
  const userId = ctx.from!.id;
  const staff = await conversation.external(() => staffOf(db, userId, adminIds));
  const choices = staff.admin ? regions.all.map((r) => r.code) : staff.regions;
  if (choices.length === 0) return void (await ctx.reply(t("clubs.not_front_office")));

  let regionCode = choices[0]!;
  if (choices.length > 1) {
    const kb = new InlineKeyboard();
    choices.forEach((code, i) => {
      const region = regions.get(code);
      kb.text(region ? regions.name(region, locale) : code, cb("klr", code));
      if (i % 2 === 1) kb.row();
    });
    await ctx.reply(t("clubs.new_region"), { reply_markup: kb });
    const pressed = await conversation
      .waitForCallbackQuery(/^klr:([a-z_-]{1,40})$/, { otherwise: hint("clubs.new_region") })
      .andFrom(userId);
    const code = pressed.match[1]!;
    if (!choices.includes(code)) return reject(conversation, pressed, t("common.stale_button"));
    await pressed.answerCallbackQuery();
    regionCode = code;
  }

  const names = await askNames(conversation, ctx);
  const address = await askAddress(conversation, ctx);
  await ctx.reply(t("clubs.new_pin"));
  const point = await askPin(conversation, ctx);

  const club = await conversation.external(() =>
    createClub(db, {
      nameKk: names[0],
      nameRu: names[1],
      regionCode,
      address,
      latitude: point?.latitude ?? null,
      longitude: point?.longitude ?? null,
    }),
  );
  await ctx.reply(t("clubs.created", { name: clubName(club, locale), code: club.joinCode ?? "" }), {
    reply_markup: new InlineKeyboard()
      .text(t("clubs.btn_add_meeting"), cb("kl", "add", club.id))
      .row()
      .text(t("clubs.btn_appoint"), cb("kl", "ap", club.id)),
  });
}

/** Adds a weekly meeting: weekday, time, place. Entered from the schedule screen after the presser was checked. */
async function newMeeting(conversation: BotConversation, ctx: InnerContext, clubId: number): Promise<void> {
  const { t } = ctx;
  const { db } = ctx.deps;
  const userId = ctx.from!.id;
  await ctx.reply(t("clubs.meeting_weekday"), { reply_markup: weekdayKeyboard(t) });
  const pressed = await conversation
    .waitForCallbackQuery(cbPattern("klw", "([1-7])"), { otherwise: hint("clubs.meeting_weekday") })
    .andFrom(userId);
  const weekday = Number(pressed.match[1]);
  await pressed.answerCallbackQuery();
  await ctx.reply(t("clubs.meeting_time"));
  let minute: number | undefined;
  while (minute === undefined) {
    const reply = await conversation
      .waitFor("message:text", { otherwise: hint("clubs.meeting_time_hint") })
      .andFrom(userId);
    const m = /^\s*([01]?\d|2[0-3])[:.](\d{2})\s*$/.exec(reply.message.text);
    if (m && Number(m[2]) < 60) minute = Number(m[1]) * 60 + Number(m[2]);
    else await reply.reply(t("clubs.meeting_time_hint"));
  }
  await ctx.reply(t("clubs.meeting_place"));
  const placeReply = await conversation
    .waitFor("message:text", { otherwise: hint("clubs.meeting_place") })
    .andFrom(userId);
  const checked = cleanText(placeReply.message.text, { max: 120 });
  const place = isSkip(placeReply.message.text) || "error" in checked ? "" : checked.text;
  const added = await conversation.external(async () => {
    // Checked again: the coordinator may have been removed meanwhile.
    if (!(await managedClub(db, userId, clubId))) return "forbidden" as const;
    return (await addMeeting(db, clubId, weekday, minute!, place)) ? ("added" as const) : ("limit" as const);
  });
  if (added === "forbidden") return void (await ctx.reply(t("clubs.not_allowed")));
  if (added === "limit") return void (await ctx.reply(t("clubs.meeting_limit")));
  await ctx.reply(t("clubs.meeting_added", { weekday: weekdayName(t, weekday), time: hhmm(minute) }), {
    reply_markup: new InlineKeyboard().text(t("clubs.btn_back_club"), cb("kl", "s", clubId)),
  });
}

/**
 * Waits for a shared contact: a new member (asked to confirm) for a club coordinator, or a club coordinator for the
 * region's front office. The right is checked again when the contact comes.
 */
async function contactStep(
  conversation: BotConversation,
  ctx: InnerContext,
  clubId: number,
  purpose: "member" | "coordinator",
): Promise<void> {
  const { t } = ctx;
  const { db, adminIds } = ctx.deps;
  const userId = ctx.from!.id;
  await ctx.reply(t(purpose === "member" ? "clubs.contact_ask_member" : "clubs.contact_ask_coordinator"));
  const shared = await conversation
    .waitFor("message:contact", { otherwise: hint("clubs.contact_hint") })
    .andFrom(userId);
  const contact = shared.message.contact;
  if (!contact.user_id) return void (await ctx.reply(t("clubs.contact_not_user")));
  const result = await conversation.external(async () => {
    if (purpose === "member") {
      const club = await managedClub(db, userId, clubId);
      return club ? inviteMember(db, club, contact.user_id!) : "forbidden";
    }
    const club = await clubById(db, clubId);
    if (!club || !coordinates(await staffOf(db, userId, adminIds), club.regionCode)) return "forbidden";
    // The contact's phone is not kept: the new coordinator decides themselves whether members see theirs.
    return appointClubCoordinator(db, clubId, contact.user_id!);
  });
  const key = {
    forbidden: "clubs.not_allowed",
    not_user: "clubs.contact_not_user",
    asked: "clubs.invite_asked",
    already_member: "clubs.invite_already_member",
    already_asked: "clubs.invite_already_asked",
    appointed: "clubs.appointed",
    already: "clubs.appointed_already",
    gone: "common.stale_button",
  } as const;
  await ctx.reply(t(key[result]), {
    reply_markup: new InlineKeyboard().text(t("clubs.btn_back_club"), cb("kl", "o", clubId)),
  });
}

/** The region's front office renames a club, or changes its address (and pin). Rights are checked again at the end. */
async function editClub(
  conversation: BotConversation,
  ctx: InnerContext,
  clubId: number,
  what: "name" | "place",
): Promise<void> {
  const { t, locale } = ctx;
  const { db, adminIds } = ctx.deps;
  const userId = ctx.from!.id;
  let change:
    | { names: [string | null, string | null] }
    | { address: string; pin?: { latitude: number; longitude: number } };
  if (what === "name") change = { names: await askNames(conversation, ctx) };
  else {
    const address = await askAddress(conversation, ctx);
    await ctx.reply(t("clubs.edit_pin"));
    const pin = await askPin(conversation, ctx);
    change = { address, pin: pin ?? undefined };
  }
  const done = await conversation.external(async () => {
    const club = await clubById(db, clubId);
    if (!club || !coordinates(await staffOf(db, userId, adminIds), club.regionCode)) return false;
    return "names" in change
      ? renameClub(db, clubId, { nameKk: change.names[0], nameRu: change.names[1] })
      : moveClub(db, clubId, change.address, change.pin);
  });
  if (!done) return void (await ctx.reply(t("clubs.not_region_office")));
  const back = new InlineKeyboard().text(t("clubs.btn_back_club"), cb("kl", "o", clubId));
  if ("names" in change) {
    const name = clubName({ nameKk: change.names[0], nameRu: change.names[1] }, locale);
    return void (await ctx.reply(t("clubs.renamed", { name }), { reply_markup: back }));
  }
  await ctx.reply(t("clubs.moved", { address: change.address }), { reply_markup: back });
}

/**
 * A club coordinator shares their own phone for members to call: the contact must be their own (the reply keyboard's
 * request_contact button sends it); it is kept only for the clubs they coordinate.
 */
async function sharePhone(conversation: BotConversation, ctx: InnerContext, clubId: number): Promise<void> {
  const { t } = ctx;
  const userId = ctx.from!.id;
  await ctx.reply(t("clubs.phone_ask"), { reply_markup: sendPhoneKeyboard(t) });
  const shared = await conversation.waitFor("message:contact", { otherwise: hint("clubs.phone_ask") }).andFrom(userId);
  const contact = shared.message.contact;
  // Someone else's contact is not taken: the step waits for the person's own.
  if (contact.user_id !== userId || !contact.phone_number)
    return reject(conversation, shared, t("clubs.phone_not_own"));
  const saved = await conversation.external(() =>
    setCoordinatorPhone(ctx.deps.db, clubId, userId, contact.phone_number),
  );
  await ctx.reply(t(saved ? "clubs.phone_shared" : "clubs.not_allowed"), { reply_markup: { remove_keyboard: true } });
}

export const clubsConversations: ConversationSpec[] = [
  defineConversation(CLUB_NEW, 1, "clubs.dropped_new", newClub),
  defineConversation(CLUB_MEETING, 1, "clubs.dropped_meeting", newMeeting),
  defineConversation(CLUB_CONTACT, 1, "clubs.dropped_contact", contactStep),
  defineConversation(CLUB_EDIT, 1, "clubs.dropped_edit", editClub),
  defineConversation(CLUB_PHONE, 1, "clubs.dropped_phone", sharePhone),
];
