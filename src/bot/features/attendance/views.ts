import { InlineKeyboard } from "grammy";
import type { Attendee, OrganizerAction, ParticipantRow } from "../../../domain/attendance";
import type { Claim } from "../../../domain/claims";
import { clipChars } from "../../../domain/text";
import { csvDocument, decimalComma } from "../../../domain/volunteer-book";
import type { Locale, Translate } from "../../../i18n";
import { formatDateTime, formatTime } from "../../../i18n/format";
import { cb } from "../../callback-data";
import { escapeHtml } from "../../html";
import { amount, dayInWords, plain } from "../hours/views";

/** People per page of the attendance list, claims per page of the queue (each with its buttons). */
export const ATTENDANCE_PAGE = 8;
export const CLAIMS_PAGE = 5;

const pages = (total: number, size: number) => Math.max(1, Math.ceil(total / size));
export const clampPage = (page: number, total: number, size: number) =>
  Math.min(Math.max(0, page), pages(total, size) - 1);

function pager(kb: InlineKeyboard, page: number, total: number, size: number, data: (page: number) => string) {
  const count = pages(total, size);
  if (count <= 1) return;
  if (page > 0) kb.text("◀️", data(page - 1));
  kb.text(`${page + 1}/${count}`, data(page));
  if (page < count - 1) kb.text("▶️", data(page + 1));
  kb.row();
}

// ----- check-in ---------------------------------------------------------------------------------------------------

export function qrCaption(
  t: Translate,
  locale: Locale,
  action: { title: string; startsAt: Date; endsAt: Date },
  opensAt: Date,
  link: string,
) {
  return t("attendance.qr_caption", {
    title: clipChars(action.title, 200),
    opens: formatDateTime(opensAt, locale),
    ends: formatTime(action.endsAt, locale),
    link,
  });
}

export function todayKeyboard(list: readonly OrganizerAction[], locale: Locale): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const action of list)
    kb.text(`${formatTime(action.startsAt, locale)} · ${clipChars(action.title, 40)}`, cb("ck", "qr", action.id)).row();
  return kb;
}

// ----- attendance -------------------------------------------------------------------------------------------------

export function attendanceView(
  t: Translate,
  locale: Locale,
  action: { id: number; title: string; startsAt: Date; hours: number },
  list: readonly Attendee[],
  page: number,
): { text: string; keyboard: InlineKeyboard } {
  const shown = list.slice(page * ATTENDANCE_PAGE, (page + 1) * ATTENDANCE_PAGE);
  const lines = shown.map((person, i) => {
    const mark = person.attendance === "attended" ? "✅" : "❌";
    const checkedIn = person.checkedIn ? ` ${t("attendance.checked_in_mark")}` : "";
    const credited = person.credited ? ` ${t("attendance.credited_mark")}` : "";
    return `${page * ATTENDANCE_PAGE + i + 1}. ${mark} ${escapeHtml(clipChars(person.name, 60))}${checkedIn}${credited}`;
  });
  const text = [
    t("attendance.list_title", {
      title: clipChars(action.title, 200),
      date: formatDateTime(action.startsAt, locale),
      joined: list.length,
      checkedIn: list.filter((p) => p.checkedIn).length,
      attended: list.filter((p) => p.attendance === "attended").length,
      amount: amount(t, locale, action.hours),
    }),
    list.length === 0 ? t("attendance.list_empty") : lines.join("\n"),
  ].join("\n\n");
  const kb = new InlineKeyboard();
  for (const person of shown) {
    const mark = person.attendance === "attended" ? "✅" : "❌";
    kb.text(`${mark} ${clipChars(person.name, 30)}`, cb("ck", "t", action.id, person.userId, page)).row();
  }
  pager(kb, page, list.length, ATTENDANCE_PAGE, (p) => cb("ck", "ap", action.id, p));
  if (list.length > 0) kb.text(t("attendance.btn_confirm"), cb("ck", "ok", action.id)).row();
  kb.text(t("attendance.btn_csv"), cb("ck", "csv", action.id)).row();
  // Back to the organizer's action screen (src/bot/features/ of the actions authoring).
  kb.text(t("common.back"), cb("oa", "o", action.id));
  return { text, keyboard: kb };
}

// ----- the queue of claimed hours ---------------------------------------------------------------------------------

export function claimsView(
  t: Translate,
  locale: Locale,
  claims: readonly Claim[],
  total: number,
  page: number,
): { text: string; keyboard: InlineKeyboard } {
  const kb = new InlineKeyboard();
  if (total === 0) return { text: t("attendance.claims_empty"), keyboard: kb };
  const items = claims.map((claim, i) => {
    const n = page * CLAIMS_PAGE + i + 1;
    kb.text(t("attendance.btn_claim_confirm", { n }), cb("hq", "c", claim.id, page));
    kb.text(t("attendance.btn_claim_reject", { n }), cb("hq", "r", claim.id)).row();
    return t("attendance.claim_line", {
      n,
      name: clipChars(claim.volunteer, 60),
      amount: amount(t, locale, claim.hours),
      date: dayInWords(claim.date, locale),
      action: clipChars(claim.action, 120),
      note: claim.note ? clipChars(claim.note, 200) : "—",
    });
  });
  pager(kb, page, total, CLAIMS_PAGE, (p) => cb("hq", "p", p));
  kb.text(t("attendance.btn_confirm_all", { count: total }), cb("hq", "all"));
  return { text: [t("attendance.claims_title", { count: total }), ...items].join("\n\n"), keyboard: kb };
}

export function confirmAllView(t: Translate, total: number) {
  return {
    text: t("attendance.confirm_all_ask", { count: total }),
    keyboard: new InlineKeyboard()
      .text(t("attendance.btn_confirm_all_yes"), cb("hq", "ally"))
      .text(t("common.back"), cb("hq", "list")),
  };
}

export const backToClaims = (t: Translate) => new InlineKeyboard().text(t("attendance.btn_claims"), cb("hq", "list"));

// ----- participants as CSV ----------------------------------------------------------------------------------------

export function participantsCsv(t: Translate, locale: Locale, rows: readonly ParticipantRow[]): Buffer {
  return csvDocument([
    [
      t("attendance.csv_name"),
      t("attendance.csv_username"),
      t("attendance.csv_status"),
      t("attendance.csv_checked_in"),
      t("attendance.csv_hours"),
    ],
    ...rows.map((r) => [
      r.name,
      r.username ?? "", // without "@": a leading @ would be quoted against formula injection
      t(r.status === "joined" ? "attendance.status_joined" : "attendance.status_waitlisted"),
      r.checkedInAt ? formatDateTime(r.checkedInAt, locale) : "",
      decimalComma(r.hours),
    ]),
  ]);
}

export { plain };
