import { InlineKeyboard } from "grammy";
import type { Action } from "../../../db/schema";
import type { ActionFigures, OrganizerActionRow } from "../../../domain/authoring";
import { CATEGORY_ICONS, isCategory } from "../../../domain/categories";
import { pick } from "../../../domain/localized";
import { clipChars } from "../../../domain/text";
import type { Locale, Translate } from "../../../i18n";
import { formatDateTime, formatDateTimeRange } from "../../../i18n/format";
import { cb } from "../../callback-data";
import { escapeHtml } from "../../html";

/** Plain text (a button label): i18next would HTML-escape the values otherwise. */
export const plain = { interpolation: { escapeValue: false } } as const;

export const LIST_PAGE_SIZE = 8;

/** The fields an organizer can change, by their short code in callback data. */
export const FIELDS = ["tk", "tr", "dk", "dr", "ak", "ar", "cat", "st", "en", "pl", "cap", "hr", "mar", "wi"] as const;
export type Field = (typeof FIELDS)[number];
export const isField = (value: unknown): value is Field => FIELDS.includes(value as Field);
/** Changing these tells the participants (time and place). */
export const NOTIFYING_FIELDS: readonly Field[] = ["st", "en", "pl", "ak", "ar"];

const icon = (category: string) => (isCategory(category) ? CATEGORY_ICONS[category] : CATEGORY_ICONS.other);

/** Two field buttons a row; `data` builds each button's callback data. */
export function fieldsKeyboard(t: Translate, fields: readonly Field[], data: (field: Field) => string): InlineKeyboard {
  const kb = new InlineKeyboard();
  fields.forEach((field, i) => {
    kb.text(t(`authoring.field_${field}`), data(field));
    if (i % 2 === 1) kb.row();
  });
  return kb.row();
}

export function previewKeyboard(t: Translate, shownIn: Locale, hasOther: boolean): InlineKeyboard {
  const kb = new InlineKeyboard()
    .text(t("authoring.btn_publish"), cb("na", "pub"))
    .row()
    .text(t("authoring.btn_edit_field"), cb("na", "edit"))
    .text(t("authoring.btn_discard"), cb("na", "disc"));
  if (hasOther) {
    const other: Locale = shownIn === "kk" ? "ru" : "kk";
    kb.row().text(t(`authoring.btn_preview_${other}`), cb("na", "pl", other));
  }
  return kb;
}

/** One page of the organizer's actions. */
export function listView(
  t: Translate,
  locale: Locale,
  which: "upcoming" | "past",
  page: number,
  rows: readonly OrganizerActionRow[],
  more: boolean,
  manyOrganizations: boolean,
  /** The callback data of the organizer's screen to go back to (/org). */
  hub: string,
): { text: string; keyboard: InlineKeyboard } {
  const kb = new InlineKeyboard();
  const items = rows.map((row, i) => {
    const n = page * LIST_PAGE_SIZE + i + 1;
    kb.text(`${n}. ${icon(row.category)} ${clipChars(row.title, 40)}`, cb("oa", "o", row.id)).row();
    return t("authoring.list_item", {
      n,
      icon: icon(row.category),
      title: clipChars(row.title, 100),
      date: formatDateTime(row.startsAt, locale),
      joined: row.participantsCount,
      capacity: row.capacity ?? "∞",
      waitlist: row.waitlisted,
      status: row.status === "cancelled" ? ` ${t("authoring.list_cancelled")}` : "",
      organization: manyOrganizations ? `\n    🏢 ${clipChars(row.organizationName, 60)}` : "",
    });
  });
  const code = which === "upcoming" ? "u" : "p";
  if (page > 0) kb.text(t("authoring.btn_prev"), cb("oa", "lp", code, page - 1));
  if (more) kb.text(t("authoring.btn_next"), cb("oa", "lp", code, page + 1));
  kb.row()
    .text(
      t(which === "upcoming" ? "authoring.btn_past" : "authoring.btn_upcoming"),
      cb("oa", "lp", which === "upcoming" ? "p" : "u", 0),
    )
    .text(t("authoring.btn_new"), cb("oa", "new"))
    .row()
    .text(t("authoring.btn_to_hub"), hub);
  const title = t(which === "upcoming" ? "authoring.list_upcoming" : "authoring.list_past");
  const empty = t(which === "upcoming" ? "authoring.list_empty_upcoming" : "authoring.list_empty_past");
  return {
    text: [title, ...(items.length > 0 ? items : [empty])].join("\n\n"),
    keyboard: new InlineKeyboard(kb.inline_keyboard.filter((r) => r.length > 0)),
  };
}

/** The organizer's screen of one action: figures and what can be done. */
export function actionScreen(
  t: Translate,
  locale: Locale,
  action: Action,
  organization: string,
  figures: ActionFigures,
  now: Date,
): { text: string; keyboard: InlineKeyboard } {
  const title = pick(action.titleKk, action.titleRu, locale);
  const address = pick(action.addressKk, action.addressRu, locale);
  const languages = [action.titleKk ? "🇰🇿 KK" : "", action.titleRu ? "🇷🇺 RU" : ""].filter(Boolean).join(" · ");
  const ended = action.endsAt <= now;
  const started = action.startsAt <= now;
  const status =
    action.status === "cancelled"
      ? t("authoring.status_cancelled", { reason: action.cancelReason ?? "—" })
      : ended
        ? t("authoring.status_ended")
        : started
          ? t("authoring.status_started")
          : t("authoring.status_published");
  const lines = [
    `${icon(action.category)} <b>${escapeHtml(clipChars(title, 200))}</b>`,
    ...(organization ? [t("authoring.screen_organization", { name: clipChars(organization, 100) })] : []),
    t("authoring.screen_when", { when: formatDateTimeRange(action.startsAt, action.endsAt, locale, now) }),
    ...(address ? [t("authoring.screen_where", { address: clipChars(address, 200) })] : []),
    ...(action.hasPin ? [] : [t("authoring.screen_no_pin")]),
    t("authoring.screen_languages", { languages }),
    "",
    t("authoring.screen_joined", { joined: figures.joined, capacity: action.capacity ?? "∞" }),
    t("authoring.screen_waitlist", { count: figures.waitlisted }),
    t("authoring.screen_checked_in", { count: figures.checkedIn }),
    "",
    status,
  ];
  const kb = new InlineKeyboard();
  const editable = action.status === "published" && !started;
  if (editable)
    kb.text(t("authoring.btn_edit"), cb("oa", "e", action.id))
      .text(t("authoring.btn_cancel"), cb("oa", "x", action.id))
      .row();
  kb.text(t("authoring.btn_duplicate"), cb("oa", "d", action.id)).row();
  if (action.status === "published") {
    kb.text(t("authoring.btn_qr"), cb("ck", "qr", action.id))
      .text(t("authoring.btn_attendance"), cb("ck", "att", action.id))
      .row();
  }
  kb.text(t("authoring.btn_csv"), cb("ck", "csv", action.id))
    .text(t("authoring.btn_broadcast"), cb("bc", "a", action.id))
    .row();
  kb.text(t("authoring.btn_to_list"), cb("oa", "list"));
  return { text: lines.join("\n"), keyboard: kb };
}

/** The fields of a published action's edit menu, then "back". */
export function editMenu(t: Translate, actionId: number, withMarathon: boolean): InlineKeyboard {
  const fields = FIELDS.filter((f) => f !== "mar" || withMarathon);
  return fieldsKeyboard(t, fields, (field) => cb("oa", "ef", actionId, field)).text(
    t("common.back"),
    cb("oa", "o", actionId),
  );
}

export const toActionKeyboard = (t: Translate, actionId: number) =>
  new InlineKeyboard().text(t("authoring.btn_open_action"), cb("oa", "o", actionId));
