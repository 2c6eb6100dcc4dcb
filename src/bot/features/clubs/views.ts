import { InlineKeyboard, Keyboard } from "grammy";
import type { ClubRow, Occurrence, RollEntry } from "../../../domain/clubs";
import { clubName } from "../../../domain/clubs";
import type { Locale, Translate } from "../../../i18n";
import { formatTime, formatWeekdayDate } from "../../../i18n/format";
import { cb } from "../../callback-data";

export const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

export const weekdayName = (t: Translate, weekday: number) => t(`clubs.weekday_${weekday}` as "clubs.weekday_1");

export interface ClubScreenData {
  club: ClubRow;
  region: string;
  meetings: Array<{ id: number; weekday: number; startMinute: number; place: string }>;
  members: number;
}

export function clubScreenText(t: Translate, locale: Locale, data: ClubScreenData): string {
  const schedule = data.meetings.length
    ? data.meetings
        .map((m) =>
          t("clubs.schedule_line", {
            weekday: weekdayName(t, m.weekday),
            time: hhmm(m.startMinute),
            place: m.place ? `— ${m.place}` : "",
          }).trimEnd(),
        )
        .join("\n")
    : t("clubs.schedule_none");
  return t("clubs.screen", {
    name: clubName(data.club, locale),
    region: data.region,
    address: data.club.address || "—",
    schedule,
    code: data.club.joinCode ?? "—",
    members: data.members,
  });
}

/**
 * Club coordinators manage (and decide whether members see their phone); the region's front office renames, moves
 * and deletes the club and appoints or removes its coordinators.
 */
export function clubScreenKeyboard(
  t: Translate,
  clubId: number,
  rights: { manage: boolean; appoint: boolean },
): InlineKeyboard {
  const kb = new InlineKeyboard();
  if (rights.manage) {
    kb.text(t("clubs.btn_meetings"), cb("kl", "m", clubId))
      .text(t("clubs.btn_schedule"), cb("kl", "s", clubId))
      .row();
    kb.text(t("clubs.btn_members"), cb("kl", "mem", clubId))
      .text(t("clubs.btn_invite"), cb("kl", "q", clubId))
      .row();
    kb.text(t("clubs.btn_my_phone"), cb("kl", "ph", clubId)).row();
  }
  if (rights.appoint) {
    kb.text(t("clubs.btn_rename"), cb("kl", "rn", clubId))
      .text(t("clubs.btn_move"), cb("kl", "mv", clubId))
      .row();
    kb.text(t("clubs.btn_coordinators"), cb("kl", "co", clubId))
      .text(t("clubs.btn_delete"), cb("kl", "del", clubId))
      .row();
  }
  return kb;
}

export function scheduleKeyboard(t: Translate, clubId: number, meetings: ClubScreenData["meetings"]): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const m of meetings) {
    kb.text(
      t("clubs.btn_remove_meeting", { weekday: weekdayName(t, m.weekday), time: hhmm(m.startMinute) }),
      cb("kl", "rm", m.id),
    ).row();
  }
  return kb
    .text(t("clubs.btn_add_meeting"), cb("kl", "add", clubId))
    .row()
    .text(t("clubs.btn_back_club"), cb("kl", "o", clubId));
}

export function meetingsKeyboard(t: Translate, locale: Locale, clubId: number, list: Occurrence[]): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const o of list.slice(0, 8)) {
    const params = { day: formatWeekdayDate(o.occursAt, locale), time: formatTime(o.occursAt, locale) };
    kb.text(
      t(o.cancelled ? "clubs.occurrence_cancelled_btn" : "clubs.occurrence_btn", params),
      cb("kl", "r", o.meetingId, o.date),
    ).row();
  }
  return kb.text(t("clubs.btn_back_club"), cb("kl", "o", clubId));
}

const personName = (e: { firstName: string | null; lastName: string | null; userId: number }) =>
  [e.firstName, e.lastName].filter(Boolean).join(" ") || `#${e.userId}`;

export function rollText(
  t: Translate,
  head: { day: string; time: string; name: string; cancelled: boolean },
  roll: RollEntry[],
): string {
  const names = (list: RollEntry[]) => (list.length ? list.map(personName).join(", ") : t("clubs.roll_nobody"));
  return t("clubs.roll", {
    ...head,
    cancelled: head.cancelled ? t("clubs.roll_cancelled") : "",
    yes: names(roll.filter((r) => r.answer === "yes")),
    no: names(roll.filter((r) => r.answer === "no")),
    none: names(roll.filter((r) => !r.answer)),
    came: names(roll.filter((r) => r.attended)),
  });
}

export function rollKeyboard(
  t: Translate,
  clubId: number,
  meetingId: number,
  date: string,
  roll: RollEntry[],
  canCancel: boolean,
): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const r of roll.slice(0, 40)) {
    const mark = r.attended ? "🙋 " : "▫️ ";
    kb.text(mark + personName(r).slice(0, 40), cb("kl", "t", meetingId, date, r.userId));
    kb.text(r.answer === "yes" ? "✅" : r.answer === "no" ? "❌" : "❔", cb("kl", "y", meetingId, date, r.userId));
    kb.row();
  }
  if (canCancel) kb.text(t("clubs.btn_cancel_date"), cb("kl", "x", meetingId, date)).row();
  return kb.text(t("clubs.btn_back_club"), cb("kl", "m", clubId));
}

export function membersText(t: Translate, name: string, members: Array<Parameters<typeof personName>[0]>): string {
  return t("clubs.members_screen", {
    name,
    count: members.length,
    list: members.length ? members.map((m) => `• ${personName(m)}`).join("\n") : t("clubs.members_none"),
  });
}

export function membersKeyboard(
  t: Translate,
  clubId: number,
  members: Array<Parameters<typeof personName>[0]>,
): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const m of members.slice(0, 40)) {
    kb.text(
      t("clubs.btn_remove_member", { name: personName(m).slice(0, 40) }),
      cb("kl", "rmm", clubId, m.userId),
    ).row();
  }
  return kb
    .text(t("clubs.btn_add_member"), cb("kl", "am", clubId))
    .row()
    .text(t("clubs.btn_back_club"), cb("kl", "o", clubId));
}

type CoordinatorEntry = Parameters<typeof personName>[0] & { phone: string | null };

export function coordinatorsText(t: Translate, name: string, list: CoordinatorEntry[]): string {
  const lines = list.map((c) =>
    t("clubs.coordinator_line", {
      name: personName(c),
      phone: t(c.phone ? "clubs.coordinator_phone_shown" : "clubs.coordinator_phone_hidden"),
    }),
  );
  return t("clubs.coordinators_screen", { name, list: lines.length ? lines.join("\n") : t("clubs.coordinators_none") });
}

export function coordinatorsKeyboard(t: Translate, clubId: number, list: CoordinatorEntry[]): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const c of list.slice(0, 20)) {
    kb.text(
      t("clubs.btn_remove_coordinator", { name: personName(c).slice(0, 40) }),
      cb("kl", "rmc", clubId, c.userId),
    ).row();
  }
  return kb
    .text(t("clubs.btn_appoint"), cb("kl", "ap", clubId))
    .row()
    .text(t("clubs.btn_back_club"), cb("kl", "o", clubId));
}

export const deleteConfirmKeyboard = (t: Translate, clubId: number) =>
  new InlineKeyboard()
    .text(t("clubs.btn_delete_yes"), cb("kl", "delok", clubId))
    .row()
    .text(t("clubs.btn_back_club"), cb("kl", "o", clubId));

/** A club coordinator's own phone for members: show it (shares their contact) or not (withdraws it). */
export const myPhoneKeyboard = (t: Translate, clubId: number) =>
  new InlineKeyboard()
    .text(t("clubs.btn_phone_share"), cb("kl", "ps", clubId))
    .text(t("clubs.btn_phone_no"), cb("kl", "pn", clubId))
    .row()
    .text(t("clubs.btn_back_club"), cb("kl", "o", clubId));

/** One reply-keyboard button that sends the presser's own contact. */
export const sendPhoneKeyboard = (t: Translate) =>
  new Keyboard().requestContact(t("clubs.btn_send_phone")).resized().oneTime();

export function weekdayKeyboard(t: Translate): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (let d = 1; d <= 7; d++) {
    kb.text(weekdayName(t, d), cb("klw", String(d)));
    if (d % 3 === 0) kb.row();
  }
  return kb;
}

// ----- senior mode ------------------------------------------------------------------------------------------------

export const SENIOR_BUTTONS = ["senior_btn_next", "senior_btn_come", "senior_btn_call", "senior_btn_language"] as const;
export type SeniorButton = (typeof SENIOR_BUTTONS)[number];

/** Four large buttons in two rows: nothing nested, always there. */
export function seniorKeyboard(t: Translate) {
  return new Keyboard()
    .text(t("clubs.senior_btn_next"))
    .text(t("clubs.senior_btn_come"))
    .row()
    .text(t("clubs.senior_btn_call"))
    .text(t("clubs.senior_btn_language"))
    .persistent();
}

/** Under the next meeting: at most three buttons. */
export function nextMeetingKeyboard(t: Translate, meetingId: number, date: string, hasPin: boolean): InlineKeyboard {
  const kb = new InlineKeyboard()
    .text(t("clubs.senior_btn_come"), cb("rem", "club", meetingId, date))
    .text(t("clubs.btn_cant"), cb("rem", "clubno", meetingId, date));
  if (hasPin) kb.row().text(t("clubs.senior_btn_map"), cb("kl", "pin", meetingId));
  return kb;
}
