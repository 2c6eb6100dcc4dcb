import { Composer, InlineKeyboard, InputFile } from "grammy";
import QRCode from "qrcode";
import { coordinates, staffOf } from "../../../domain/access";
import {
  activeMeetings,
  withInvite,
  answerClubMeeting,
  attendedThisYear,
  cancelOccurrence,
  clubById,
  clubByCode,
  clubByInviteToken,
  clubCoordinatorsOf,
  clubMembersOf,
  clubName,
  clubsCoordinatedBy,
  clubsOfRegions,
  deleteClub,
  isClubCoordinator,
  joinClub,
  leaveClub,
  markOnBehalf,
  meetingOfClub,
  meetingRoll,
  memberClubs,
  nextMeetingFor,
  normalizeClubCode,
  occurrenceAt,
  regionName,
  removeClubCoordinator,
  removeMeeting,
  setCoordinatorPhone,
  setSeniorMode,
  upcomingOccurrences,
  wasInvited,
  type ClubRow,
} from "../../../domain/clubs";
import { escapeHtml } from "../../../core/html";
import { setLanguage } from "../../../domain/users";
import { formatTime, formatWeekdayDate } from "../../../i18n/format";
import { cb, cbPattern, parseId } from "../../callback-data";
import type { BotContext } from "../../context";
import { type DeepLink, deepLinkUrl } from "../../deep-links";
import { EXPENSIVE } from "../../middleware/rate-limit";
import { switchLocale } from "../../middleware/user";
import { showScreen } from "../../screen";
import { CLUB_CONTACT, CLUB_EDIT, CLUB_MEETING, CLUB_NEW, CLUB_PHONE } from "./clubs.conversation";
import {
  clubScreenKeyboard,
  clubScreenText,
  coordinatorsKeyboard,
  coordinatorsText,
  deleteConfirmKeyboard,
  myPhoneKeyboard,
  meetingsKeyboard,
  membersKeyboard,
  membersText,
  nextMeetingKeyboard,
  rollKeyboard,
  rollText,
  SENIOR_BUTTONS,
  type SeniorButton,
  scheduleKeyboard,
  seniorKeyboard,
} from "./views";

export { clubsConversations } from "./clubs.conversation";

const CLUB_PREFIX = "k";

/** A Telegram user id from callback data: a positive safe integer. */
function parseUserId(raw: string | undefined): number | undefined {
  return raw && /^[1-9]\d{0,15}$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : undefined;
}

async function refuse(
  ctx: BotContext,
  key: "clubs.not_allowed" | "clubs.not_front_office" | "clubs.not_region_office" | "common.stale_button",
) {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t(key), show_alert: key !== "common.stale_button" });
  else await ctx.reply(ctx.t(key));
}

/** The club of the button when the presser is one of its coordinators, else a refusal. */
async function managed(ctx: BotContext, raw: string | undefined): Promise<ClubRow | undefined> {
  const clubId = parseId(raw);
  const club = clubId === undefined ? undefined : await clubById(ctx.deps.db, clubId);
  if (!club) return void (await refuse(ctx, "common.stale_button"));
  if (!(await isClubCoordinator(ctx.deps.db, club.id, ctx.from!.id)))
    return void (await refuse(ctx, "clubs.not_allowed"));
  return club;
}

/** The club of the button when the presser is its region's front office (a coordinator there or an admin). */
async function regionOffice(ctx: BotContext, raw: string | undefined): Promise<ClubRow | undefined> {
  const clubId = parseId(raw);
  const club = clubId === undefined ? undefined : await clubById(ctx.deps.db, clubId);
  if (!club) return void (await refuse(ctx, "common.stale_button"));
  const staff = await staffOf(ctx.deps.db, ctx.from!.id, ctx.deps.adminIds);
  if (!coordinates(staff, club.regionCode)) return void (await refuse(ctx, "clubs.not_region_office"));
  return club;
}

/** The meeting's club when the presser coordinates it (the meeting id comes from callback data). */
async function managedMeeting(ctx: BotContext, rawMeeting: string | undefined) {
  const meetingId = parseId(rawMeeting);
  if (meetingId === undefined) return void (await refuse(ctx, "common.stale_button"));
  const { db } = ctx.deps;
  const clubs = await clubsCoordinatedBy(db, ctx.from!.id);
  for (const club of clubs) {
    const meeting = await meetingOfClub(db, club.id, meetingId);
    if (meeting) return { club, meeting };
  }
  await refuse(ctx, "clubs.not_allowed");
  return undefined;
}

async function showClub(ctx: BotContext, club: ClubRow): Promise<void> {
  const { db, adminIds } = ctx.deps;
  const [meetings, members, manage, staff] = await Promise.all([
    activeMeetings(db, club.id),
    clubMembersOf(db, club.id),
    isClubCoordinator(db, club.id, ctx.from!.id),
    staffOf(db, ctx.from!.id, adminIds),
  ]);
  const appoint = coordinates(staff, club.regionCode);
  if (!manage && !appoint) return refuse(ctx, "clubs.not_allowed");
  const region = await regionName(db, club.regionCode, ctx.locale);
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  await showScreen(
    ctx,
    clubScreenText(ctx.t, ctx.locale, { club, region, meetings, members: members.length }),
    clubScreenKeyboard(ctx.t, club.id, { manage, appoint }),
  );
}

export const clubsFeature = new Composer<BotContext>();
const onboarded = clubsFeature.filter((ctx) => Boolean(ctx.user?.onboardedAt));
clubsFeature.command(["newclub", "club"], (ctx) => ctx.reply(ctx.t("common.start_first")));

onboarded.command("newclub", async (ctx) => {
  const staff = await staffOf(ctx.deps.db, ctx.from!.id, ctx.deps.adminIds);
  if (!staff.admin && staff.regions.length === 0) return refuse(ctx, "clubs.not_front_office");
  await ctx.conversation.enter(CLUB_NEW);
});

/** /club: the clubs one manages (or, for a front office, the region's clubs); `/club join` or `/club CODE` joins. */
onboarded.command("club", async (ctx) => {
  const arg = ctx.match.trim();
  if (/^(join|қосылу|вступить)$/i.test(arg)) return void (await ctx.reply(ctx.t("clubs.code_ask")));
  if (arg) return joinByCode(ctx, arg);
  const { db, adminIds } = ctx.deps;
  const staff = await staffOf(db, ctx.from!.id, adminIds);
  const mine = await clubsCoordinatedBy(db, ctx.from!.id);
  const region = staff.admin ? await clubsOfRegions(db, null) : await clubsOfRegions(db, staff.regions);
  const list = [...mine, ...region.filter((c) => !mine.some((m) => m.id === c.id))];
  if (list.length === 0) {
    // A member: their next meeting (the senior screen); anyone else: how to join.
    if ((await memberClubs(db, ctx.from!.id)).length > 0) return nextMeetingScreen(ctx);
    return void (await ctx.reply(ctx.t("clubs.no_clubs")));
  }
  if (list.length === 1) return showClub(ctx, list[0]!);
  const kb = new InlineKeyboard();
  for (const club of list.slice(0, 30)) kb.text(clubName(club, ctx.locale).slice(0, 60), cb("kl", "o", club.id)).row();
  await ctx.reply(ctx.t("clubs.pick_club"), { reply_markup: kb });
});

onboarded.callbackQuery(cbPattern("kl", "o", 1), async (ctx) => {
  const clubId = parseId(ctx.match[1]);
  const club = clubId === undefined ? undefined : await clubById(ctx.deps.db, clubId);
  if (!club) return refuse(ctx, "common.stale_button");
  await showClub(ctx, club);
});

onboarded.callbackQuery(cbPattern("kl", "s", 1), async (ctx) => {
  const club = await managed(ctx, ctx.match[1]);
  if (!club) return;
  await ctx.answerCallbackQuery();
  const meetings = await activeMeetings(ctx.deps.db, club.id);
  await showScreen(
    ctx,
    ctx.t("clubs.schedule_screen", { name: clubName(club, ctx.locale) }),
    scheduleKeyboard(ctx.t, club.id, meetings),
  );
});

onboarded.callbackQuery(cbPattern("kl", "add", 1), async (ctx) => {
  const club = await managed(ctx, ctx.match[1]);
  if (!club) return;
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(CLUB_MEETING, club.id);
});

onboarded.callbackQuery(cbPattern("kl", "rm", 1), async (ctx) => {
  const found = await managedMeeting(ctx, ctx.match[1]);
  if (!found) return;
  await removeMeeting(ctx.deps.db, found.club.id, found.meeting.id);
  await ctx.answerCallbackQuery({ text: ctx.t("clubs.meeting_removed") });
  const meetings = await activeMeetings(ctx.deps.db, found.club.id);
  await showScreen(
    ctx,
    ctx.t("clubs.schedule_screen", { name: clubName(found.club, ctx.locale) }),
    scheduleKeyboard(ctx.t, found.club.id, meetings),
  );
});

onboarded.callbackQuery(cbPattern("kl", "m", 1), async (ctx) => {
  const club = await managed(ctx, ctx.match[1]);
  if (!club) return;
  await ctx.answerCallbackQuery();
  const list = await upcomingOccurrences(ctx.deps.db, [club.id]);
  const name = clubName(club, ctx.locale);
  await showScreen(
    ctx,
    list.length ? ctx.t("clubs.meetings_screen", { name }) : ctx.t("clubs.meetings_none"),
    meetingsKeyboard(ctx.t, ctx.locale, club.id, list),
  );
});

async function showRoll(ctx: BotContext, club: ClubRow, meetingId: number, date: string, occursAt: Date) {
  const { db } = ctx.deps;
  const roll = await meetingRoll(db, club.id, meetingId, date);
  const cancelled = (await upcomingOccurrences(db, [club.id], new Date(occursAt.getTime() - 1), 1)).some(
    (o) => o.meetingId === meetingId && o.date === date && o.cancelled,
  );
  const head = {
    day: formatWeekdayDate(occursAt, ctx.locale),
    time: formatTime(occursAt, ctx.locale),
    name: clubName(club, ctx.locale),
    cancelled,
  };
  const canCancel = !cancelled && occursAt > new Date();
  await showScreen(ctx, rollText(ctx.t, head, roll), rollKeyboard(ctx.t, club.id, meetingId, date, roll, canCancel));
}

/** The roll of one occurrence: who is coming, who can't, who did not answer, who came. */
onboarded.callbackQuery(cbPattern("kl", "r", 2), async (ctx) => {
  const found = await managedMeeting(ctx, ctx.match[1]);
  if (!found) return;
  const occursAt = occurrenceAt(found.meeting, ctx.match[2]!);
  if (!occursAt) return refuse(ctx, "common.stale_button");
  await ctx.answerCallbackQuery();
  await showRoll(ctx, found.club, found.meeting.id, ctx.match[2]!, occursAt);
});

for (const [action, kind] of [
  ["t", "attended"],
  ["y", "answer"],
] as const) {
  onboarded.callbackQuery(cbPattern("kl", action, 3), async (ctx) => {
    const found = await managedMeeting(ctx, ctx.match[1]);
    if (!found) return;
    const date = ctx.match[2]!;
    const memberId = parseUserId(ctx.match[3]);
    const occursAt = occurrenceAt(found.meeting, date);
    if (!occursAt || memberId === undefined) return refuse(ctx, "common.stale_button");
    const { db } = ctx.deps;
    const current = (await meetingRoll(db, found.club.id, found.meeting.id, date)).find((r) => r.userId === memberId);
    if (!current) return refuse(ctx, "common.stale_button");
    const change =
      kind === "attended"
        ? { attended: !current.attended }
        : { answer: current.answer === "yes" ? ("no" as const) : ("yes" as const) };
    const ok = await markOnBehalf(db, found.club.id, found.meeting.id, date, memberId, ctx.from.id, change);
    if (!ok) return refuse(ctx, "common.stale_button");
    await ctx.answerCallbackQuery({ text: ctx.t("clubs.marked") });
    await showRoll(ctx, found.club, found.meeting.id, date, occursAt);
  });
}

onboarded.callbackQuery(cbPattern("kl", "x", 2), async (ctx) => {
  const found = await managedMeeting(ctx, ctx.match[1]);
  if (!found) return;
  const date = ctx.match[2]!;
  const result = await cancelOccurrence(ctx.deps.db, found.club.id, found.meeting.id, date);
  if (result.status === "refused") return refuse(ctx, "common.stale_button");
  await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t("clubs.cancel_done", { count: result.notified }));
  await showRoll(ctx, found.club, found.meeting.id, date, occurrenceAt(found.meeting, date)!);
});

onboarded.callbackQuery(cbPattern("kl", "mem", 1), async (ctx) => {
  const club = await managed(ctx, ctx.match[1]);
  if (!club) return;
  await ctx.answerCallbackQuery();
  const members = await clubMembersOf(ctx.deps.db, club.id);
  await showScreen(
    ctx,
    membersText(ctx.t, clubName(club, ctx.locale), members),
    membersKeyboard(ctx.t, club.id, members),
  );
});

/** Removes a member from the club (their past answers stay with their account). */
onboarded.callbackQuery(cbPattern("kl", "rmm", 2), async (ctx) => {
  const club = await managed(ctx, ctx.match[1]);
  if (!club) return;
  const memberId = parseUserId(ctx.match[2]);
  if (memberId === undefined || !(await leaveClub(ctx.deps.db, club.id, memberId))) {
    return refuse(ctx, "common.stale_button");
  }
  await ctx.answerCallbackQuery({ text: ctx.t("clubs.member_removed") });
  const members = await clubMembersOf(ctx.deps.db, club.id);
  await showScreen(
    ctx,
    membersText(ctx.t, clubName(club, ctx.locale), members),
    membersKeyboard(ctx.t, club.id, members),
  );
});

onboarded.callbackQuery(cbPattern("kl", "am", 1), async (ctx) => {
  const club = await managed(ctx, ctx.match[1]);
  if (!club) return;
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(CLUB_CONTACT, club.id, "member");
});

onboarded.callbackQuery(cbPattern("kl", "ap", 1), async (ctx) => {
  const clubId = parseId(ctx.match[1]);
  const club = clubId === undefined ? undefined : await clubById(ctx.deps.db, clubId);
  if (!club) return refuse(ctx, "common.stale_button");
  const staff = await staffOf(ctx.deps.db, ctx.from.id, ctx.deps.adminIds);
  if (!coordinates(staff, club.regionCode)) return refuse(ctx, "clubs.not_front_office");
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(CLUB_CONTACT, club.id, "coordinator");
});

// ----- the region's front office: name, address, coordinators, deletion ----------------------------------------

for (const [action, what] of [
  ["rn", "name"],
  ["mv", "place"],
] as const) {
  onboarded.callbackQuery(cbPattern("kl", action, 1), async (ctx) => {
    const club = await regionOffice(ctx, ctx.match[1]);
    if (!club) return;
    await ctx.answerCallbackQuery();
    await ctx.conversation.enter(CLUB_EDIT, club.id, what);
  });
}

async function showCoordinators(ctx: BotContext, club: ClubRow) {
  const list = await clubCoordinatorsOf(ctx.deps.db, club.id);
  await showScreen(
    ctx,
    coordinatorsText(ctx.t, clubName(club, ctx.locale), list),
    coordinatorsKeyboard(ctx.t, club.id, list),
  );
}

onboarded.callbackQuery(cbPattern("kl", "co", 1), async (ctx) => {
  const club = await regionOffice(ctx, ctx.match[1]);
  if (!club) return;
  await ctx.answerCallbackQuery();
  await showCoordinators(ctx, club);
});

/** Removes a club coordinator (the last one too: the screen then says members see no coordinator contact). */
onboarded.callbackQuery(cbPattern("kl", "rmc", 2), async (ctx) => {
  const club = await regionOffice(ctx, ctx.match[1]);
  if (!club) return;
  const userId = parseUserId(ctx.match[2]);
  if (userId === undefined || !(await removeClubCoordinator(ctx.deps.db, club.id, userId))) {
    return refuse(ctx, "common.stale_button");
  }
  await ctx.answerCallbackQuery({ text: ctx.t("clubs.coordinator_removed") });
  await showCoordinators(ctx, club);
});

onboarded.callbackQuery(cbPattern("kl", "del", 1), async (ctx) => {
  const club = await regionOffice(ctx, ctx.match[1]);
  if (!club) return;
  await ctx.answerCallbackQuery();
  const members = await clubMembersOf(ctx.deps.db, club.id);
  await showScreen(
    ctx,
    ctx.t("clubs.delete_confirm", { name: clubName(club, ctx.locale), members: members.length }),
    deleteConfirmKeyboard(ctx.t, club.id),
  );
});

onboarded.callbackQuery(cbPattern("kl", "delok", 1), async (ctx) => {
  const club = await regionOffice(ctx, ctx.match[1]);
  if (!club) return;
  const result = await deleteClub(ctx.deps.db, club.id);
  if (result.status === "refused") return refuse(ctx, "common.stale_button");
  await ctx.answerCallbackQuery();
  await showScreen(ctx, ctx.t("clubs.deleted", { count: result.notified }));
});

// ----- a club coordinator's own phone for members ----------------------------------------------------------------

onboarded.callbackQuery(cbPattern("kl", "ph", 1), async (ctx) => {
  const club = await managed(ctx, ctx.match[1]);
  if (!club) return;
  await ctx.answerCallbackQuery();
  const me = (await clubCoordinatorsOf(ctx.deps.db, club.id)).find((c) => c.userId === ctx.from.id);
  await showScreen(ctx, ctx.t("clubs.my_phone", { phone: me?.phone ?? "—" }), myPhoneKeyboard(ctx.t, club.id));
});

/** "Show my number" (under the question sent on appointment, or on the phone screen): the coordinator shares it. */
onboarded.callbackQuery(cbPattern("kl", "ps", 1), async (ctx) => {
  const club = await managed(ctx, ctx.match[1]);
  if (!club) return;
  await ctx.answerCallbackQuery();
  if (ctx.callbackQuery.message?.reply_markup) await ctx.editMessageReplyMarkup({ reply_markup: undefined });
  await ctx.conversation.enter(CLUB_PHONE, club.id);
});

/** "Don't show it": nothing is kept (a phone shared before is erased). */
onboarded.callbackQuery(cbPattern("kl", "pn", 1), async (ctx) => {
  const club = await managed(ctx, ctx.match[1]);
  if (!club) return;
  await setCoordinatorPhone(ctx.deps.db, club.id, ctx.from.id, null);
  await ctx.answerCallbackQuery();
  if (ctx.callbackQuery.message?.reply_markup) await ctx.editMessageReplyMarkup({ reply_markup: undefined });
  await ctx.reply(ctx.t("clubs.phone_not_shared"));
});

/** The invite: a link, the code, and a QR code PNG to print for the club's wall. */
onboarded.callbackQuery(cbPattern("kl", "q", 1), async (ctx) => {
  const found = await managed(ctx, ctx.match[1]);
  if (!found) return;
  const club = await withInvite(ctx.deps.db, found);
  await EXPENSIVE.clubQr(ctx, async () => {
    await ctx.answerCallbackQuery();
    const link = deepLinkUrl(ctx.me.username, CLUB_PREFIX, club.inviteToken);
    const png = await QRCode.toBuffer(link, { type: "png", errorCorrectionLevel: "M", margin: 2, width: 640 });
    await ctx.replyWithPhoto(new InputFile(png, `club-${club.id}.png`), {
      caption: ctx.t("clubs.invite_caption", { name: clubName(club, ctx.locale), link, code: club.joinCode }),
    });
  });
});

// ----- members: joining -------------------------------------------------------------------------------------------

async function welcome(ctx: BotContext, club: ClubRow, outcome: "joined" | "already" | "gone") {
  // Deleted between finding the club and joining it.
  if (outcome === "gone") return void (await ctx.reply(ctx.t("clubs.link_invalid")));
  const name = clubName(club, ctx.locale);
  if (outcome === "already") return void (await ctx.reply(ctx.t("clubs.join_already", { club: name })));
  const seniorMode = ctx.user?.seniorMode || (await memberClubs(ctx.deps.db, ctx.from!.id)).length === 1;
  await ctx.reply(ctx.t("clubs.join_welcome", { club: name }), {
    reply_markup: seniorMode ? seniorKeyboard(ctx.t) : undefined,
  });
}

async function joinByCode(ctx: BotContext, raw: string): Promise<void> {
  await EXPENSIVE.clubCode(ctx, async () => {
    const code = normalizeClubCode(raw);
    const club = code ? await clubByCode(ctx.deps.db, code) : undefined;
    if (!club) return void (await ctx.reply(ctx.t("clubs.code_unknown")));
    await welcome(ctx, club, await joinClub(ctx.deps.db, club.id, ctx.from!.id));
  });
}

export const clubDeepLink: DeepLink = {
  prefix: CLUB_PREFIX,
  needsOnboarding: true,
  async open(ctx, token) {
    const club = await clubByInviteToken(ctx.deps.db, token);
    if (!club) return void (await ctx.reply(ctx.t("clubs.link_invalid")));
    await welcome(ctx, club, await joinClub(ctx.deps.db, club.id, ctx.from!.id));
  },
  continueButton: (t, token) => ({ text: t("clubs.btn_yes"), data: cb("kl", "dl", token) }),
};

onboarded.callbackQuery(cbPattern("kl", "dl", 1), async (ctx) => {
  await ctx.answerCallbackQuery();
  await clubDeepLink.open(ctx, ctx.match[1]!);
});

/** Yes / No under a club coordinator's invitation (the invitation must exist for this person). */
for (const [action, yes] of [
  ["jy", true],
  ["jn", false],
] as const) {
  onboarded.callbackQuery(cbPattern("kl", action, 1), async (ctx) => {
    const clubId = parseId(ctx.match[1]);
    const club = clubId === undefined ? undefined : await clubById(ctx.deps.db, clubId);
    if (!club || !(await wasInvited(ctx.deps.db, club.id, ctx.from.id))) {
      return void (await ctx.answerCallbackQuery({ text: ctx.t("clubs.join_not_invited"), show_alert: true }));
    }
    await ctx.answerCallbackQuery();
    if (ctx.callbackQuery.message?.reply_markup) await ctx.editMessageReplyMarkup({ reply_markup: undefined });
    if (!yes) return void (await ctx.reply(ctx.t("clubs.join_declined")));
    await welcome(ctx, club, await joinClub(ctx.deps.db, club.id, ctx.from.id));
  });
}

// ----- senior mode ------------------------------------------------------------------------------------------------

/** Which senior button a text is, in either language (the keyboard may be from before a language switch). */
function seniorButtonOf(ctx: BotContext, text: string): SeniorButton | undefined {
  const { i18n } = ctx.deps;
  for (const key of SENIOR_BUTTONS) {
    if ((["kk", "ru"] as const).some((l) => i18n.t(l)(`clubs.${key}`) === text)) return key;
  }
  return undefined;
}

/** The member's next meeting in a few plain lines (or why there is none), and the meeting when there is one. */
async function nextMeetingText(ctx: BotContext) {
  const { t, locale } = ctx;
  const { db } = ctx.deps;
  const userId = ctx.from!.id;
  const found = await nextMeetingFor(db, userId);
  if (!found.next) {
    const member = (await memberClubs(db, userId)).length > 0;
    return { text: t(member ? "clubs.senior_no_meeting" : "clubs.senior_no_club"), next: undefined };
  }
  const { next } = found;
  const lines = [
    `🏠 ${escapeHtml(clubName(next.club, locale))}`,
    t("clubs.senior_next", {
      day: formatWeekdayDate(next.occursAt, locale),
      time: formatTime(next.occursAt, locale),
      address: [next.club.address, next.place].filter(Boolean).join(", ") || "—",
    }),
  ];
  if (next.answer) lines.push(t(next.answer === "yes" ? "clubs.senior_answer_yes" : "clubs.senior_answer_no"));
  const came = await attendedThisYear(db, userId);
  if (came > 0) lines.push(t("clubs.senior_attended", { count: came }));
  return { text: lines.join("\n"), next };
}

async function nextMeetingScreen(ctx: BotContext): Promise<void> {
  const { text, next } = await nextMeetingText(ctx);
  if (!next) return void (await ctx.reply(text, { reply_markup: seniorKeyboard(ctx.t) }));
  const hasPin = next.club.latitude !== null && next.club.longitude !== null;
  await ctx.reply(text, { reply_markup: nextMeetingKeyboard(ctx.t, next.meetingId, next.date, hasPin) });
}

/**
 * The senior screen of /start and /menu: the next meeting and one line on leaving senior mode, in one message that
 * (re)draws the four big buttons (their language follows the user's).
 */
export async function seniorHome(ctx: BotContext): Promise<void> {
  const { text } = await nextMeetingText(ctx);
  await ctx.reply(`${text}\n\n${ctx.t("clubs.senior_leave_hint")}`, { reply_markup: seniorKeyboard(ctx.t) });
}

async function answerNext(ctx: BotContext, answer: "yes" | "no"): Promise<void> {
  const { t, locale } = ctx;
  const found = await nextMeetingFor(ctx.deps.db, ctx.from!.id);
  if (!found.next) {
    const member = (await memberClubs(ctx.deps.db, ctx.from!.id)).length > 0;
    return void (await ctx.reply(t(member ? "clubs.senior_no_meeting" : "clubs.senior_no_club")));
  }
  const result = await answerClubMeeting(ctx.deps.db, found.next.meetingId, ctx.from!.id, found.next.date, answer);
  if (result.status === "refused") return void (await ctx.reply(t("clubs.senior_no_meeting")));
  await ctx.reply(
    answer === "yes"
      ? t("clubs.senior_coming_ok", {
          day: formatWeekdayDate(result.occursAt, locale),
          time: formatTime(result.occursAt, locale),
        })
      : t("clubs.senior_cant_ok"),
    { reply_markup: seniorKeyboard(t) },
  );
}

async function callCoordinator(ctx: BotContext): Promise<void> {
  const { db } = ctx.deps;
  for (const club of await memberClubs(db, ctx.from!.id)) {
    for (const c of await clubCoordinatorsOf(db, club.id)) {
      const name = [c.firstName, c.lastName].filter(Boolean).join(" ") || "—";
      if (c.phone) {
        await ctx.replyWithContact(c.phone, c.firstName || name, c.lastName ? { last_name: c.lastName } : {});
        return;
      }
      if (c.username) {
        await ctx.reply(ctx.t("clubs.senior_call_username", { name, link: `https://t.me/${c.username}` }));
        return;
      }
    }
  }
  await ctx.reply(ctx.t("clubs.senior_no_coordinator"));
}

async function switchLanguage(ctx: BotContext): Promise<void> {
  const next = ctx.locale === "kk" ? "ru" : "kk";
  await setLanguage(ctx.deps.db, ctx.from!.id, next);
  switchLocale(ctx, next);
  await ctx.reply(ctx.t("clubs.senior_language"), { reply_markup: seniorKeyboard(ctx.t) });
}

/**
 * The reply keyboard's four buttons: installed before the conversations, so a press always does what it says; a
 * conversation in progress is left first (its texts are not answers to it).
 */
export const seniorButtonsFeature = new Composer<BotContext>();
/**
 * In senior mode the four buttons never go away: a reply that would remove the reply keyboard (a flow that asked for
 * a location or a phone, /cancel) shows the senior keyboard instead.
 */
seniorButtonsFeature.use((ctx, next) => {
  if (ctx.user?.seniorMode) {
    ctx.api.config.use((prev, method, payload, signal) => {
      const markup = (payload as { reply_markup?: { remove_keyboard?: boolean } }).reply_markup;
      if (markup?.remove_keyboard && ctx.user?.seniorMode) {
        return prev(method, { ...payload, reply_markup: seniorKeyboard(ctx.t) } as typeof payload, signal);
      }
      return prev(method, payload, signal);
    });
  }
  return next();
});
seniorButtonsFeature.on("message:text", async (ctx, next) => {
  const button = ctx.user?.onboardedAt ? seniorButtonOf(ctx, ctx.message.text) : undefined;
  if (!button) return next();
  if (Object.keys(ctx.conversation.active()).length > 0) await ctx.conversation.exitAll();
  switch (button) {
    case "senior_btn_next":
      return nextMeetingScreen(ctx);
    case "senior_btn_come":
      return answerNext(ctx, "yes");
    case "senior_btn_call":
      return callCoordinator(ctx);
    case "senior_btn_language":
      return switchLanguage(ctx);
  }
});

const YES = new Set([
  "иә",
  "ия",
  "иа",
  "келемін",
  "барамын",
  "иә келемін",
  "иә барамын",
  "да",
  "приду",
  "да приду",
  "я приду",
]);
const NO = new Set([
  "жоқ",
  "бара алмаймын",
  "келе алмаймын",
  "жоқ бара алмаймын",
  "жоқ келе алмаймын",
  "нет",
  "не приду",
  "не смогу",
  "не могу",
  "нет не приду",
  "нет не смогу",
]);

/** "Иә!", " приду. ", "НЕТ, не приду" → the words, lower case, without punctuation. */
export function typedAnswer(text: string): "yes" | "no" | undefined {
  const words = text
    .toLowerCase()
    .replace(/[^\p{L}\s]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (YES.has(words)) return "yes";
  if (NO.has(words)) return "no";
  return undefined;
}

/**
 * Outside conversations (installed after them): typed answers of club members ("иә", "приду", "не приду") and a
 * club code typed anywhere.
 */
export const clubsTypedFeature = new Composer<BotContext>();
clubsTypedFeature.on("message:text", async (ctx, next) => {
  const text = ctx.message.text;
  if (!ctx.user?.onboardedAt)
    return normalizeClubCode(text) ? void (await ctx.reply(ctx.t("clubs.start_first"))) : next();
  const answer = typedAnswer(text);
  if (answer && (await memberClubs(ctx.deps.db, ctx.from.id)).length > 0) return answerNext(ctx, answer);
  if (normalizeClubCode(text)) return joinByCode(ctx, text);
  return next();
});

/** A member's "I'll come" / "I can't" under a reminder or the next-meeting screen. */
for (const [action, answer] of [
  ["club", "yes"],
  ["clubno", "no"],
] as const) {
  clubsFeature.callbackQuery(cbPattern("rem", action, 2), async (ctx) => {
    const meetingId = parseId(ctx.match[1]);
    if (meetingId === undefined) return refuse(ctx, "common.stale_button");
    const result = await answerClubMeeting(ctx.deps.db, meetingId, ctx.from.id, ctx.match[2]!, answer);
    if (result.status === "refused") {
      const key = {
        not_member: "reminders.club_not_member",
        cancelled: "clubs.senior_cancelled",
        not_found: "common.stale_button",
        past: "common.stale_button",
      } as const;
      return ctx.answerCallbackQuery({ text: ctx.t(key[result.reason]), show_alert: true });
    }
    await ctx.answerCallbackQuery();
    if (ctx.callbackQuery.message?.reply_markup?.inline_keyboard.length) {
      await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } });
    }
    await ctx.reply(
      answer === "yes"
        ? ctx.t("reminders.club_thanks", {
            date: formatWeekdayDate(result.occursAt, ctx.locale),
            time: formatTime(result.occursAt, ctx.locale),
          })
        : ctx.t("clubs.senior_cant_ok"),
    );
  });
}

/** Settings: senior mode on (the four big buttons appear) or off (they go away). */
onboarded.callbackQuery(cbPattern("kl", "sm"), async (ctx) => {
  const on = !ctx.user!.seniorMode;
  await setSeniorMode(ctx.deps.db, ctx.from.id, on);
  ctx.user = { ...ctx.user!, seniorMode: on };
  await ctx.answerCallbackQuery();
  if (ctx.callbackQuery.message?.reply_markup) await ctx.editMessageReplyMarkup({ reply_markup: undefined });
  await ctx.reply(ctx.t(on ? "clubs.senior_on" : "clubs.senior_off"), {
    reply_markup: on ? seniorKeyboard(ctx.t) : { remove_keyboard: true },
  });
});

/** The map pin of the next meeting's club (only for its members). */
onboarded.callbackQuery(cbPattern("kl", "pin", 1), async (ctx) => {
  const meetingId = parseId(ctx.match[1]);
  const mine = await memberClubs(ctx.deps.db, ctx.from.id);
  for (const club of mine) {
    if (meetingId !== undefined && (await meetingOfClub(ctx.deps.db, club.id, meetingId))) {
      await ctx.answerCallbackQuery();
      if (club.latitude === null || club.longitude === null) {
        return void (await ctx.reply(ctx.t("clubs.senior_no_map", { address: club.address || "—" })));
      }
      return void (await ctx.replyWithLocation(club.latitude, club.longitude));
    }
  }
  await refuse(ctx, "common.stale_button");
});
