import type { ButtonRenderer } from "../delivery/render";
import type { InlineKeyboardButton } from "grammy/types";
import { cb } from "./callback-data";
import { muteKeyboard } from "./features/broadcasts/views";
import { deepLinkUrl } from "./deep-links";

/**
 * The inline buttons of outbox messages: what the domain and the scheduler say a button does, turned into a label and
 * the callback data the bot's handlers parse (src/bot/features/reminders/, the "m:" menu routes). The composition
 * root hands it to the dispatcher.
 */
export const renderOutboxButton: ButtonRenderer = (button, t, botUsername) => {
  switch (button.kind) {
    case "reminder.coming":
      return { text: t("reminders.btn_coming"), callback_data: cb("rem", "yes", button.actionId) };
    case "reminder.cant":
      return { text: t("reminders.btn_cant"), callback_data: cb("rem", "no", button.actionId) };
    case "club.coming":
      return { text: t("reminders.btn_club_coming"), callback_data: cb("rem", "club", button.meetingId, button.date) };
    case "club.cant":
      return { text: t("clubs.btn_cant"), callback_data: cb("rem", "clubno", button.meetingId, button.date) };
    case "club.join_yes":
      return { text: t("clubs.btn_yes"), callback_data: cb("kl", "jy", button.clubId) };
    case "club.join_no":
      return { text: t("clubs.btn_no"), callback_data: cb("kl", "jn", button.clubId) };
    case "club.phone_share":
      return { text: t("clubs.btn_phone_share"), callback_data: cb("kl", "ps", button.clubId) };
    case "club.phone_no":
      return { text: t("clubs.btn_phone_no"), callback_data: cb("kl", "pn", button.clubId) };
    case "open.hours":
      return { text: t("hours.btn_to_hours"), callback_data: cb("m", "hours") };
    case "org.mute":
      return muteKeyboard(t, button.organizationId, button.name)
        .inline_keyboard[0]![0] as InlineKeyboardButton.CallbackButton;
    case "broadcast.stop":
      return { text: t("broadcasts.btn_stop"), callback_data: cb("bc", "stop", button.broadcastId) };
    case "action.open":
      return button.n === undefined
        ? { text: t("actions.open_card"), callback_data: cb("a", "o", button.actionId, "m") }
        : { text: t("alerts.btn_open_n", { n: button.n }), callback_data: cb("a", "o", button.actionId, "n") };
    case "action.join":
      return { text: t("alerts.btn_join"), callback_data: cb("a", "j", button.actionId, "n") };
    case "action.join_url":
      if (!botUsername) throw new Error("a deep-link button needs the bot's username");
      return {
        text: t(button.both ? "channels.btn_join_both" : "channels.btn_join"),
        url: deepLinkUrl(botUsername, "a", button.actionId),
      };
    case "org.approve":
      return { text: t("organizer.btn_approve"), callback_data: cb("og", "ok", button.organizationId) };
    case "org.reject":
      return { text: t("organizer.btn_reject"), callback_data: cb("og", "no", button.organizationId) };
    case "org.open":
      return { text: t("organizer.btn_open_hub"), callback_data: cb("org", "h", button.organizationId) };
    case "attendance.open":
      return { text: t("attendance.btn_open"), callback_data: cb("ck", "att", button.actionId) };
    case "callout.coming":
      return { text: t("callouts.btn_coming"), callback_data: cb("co", "yes", button.calloutId) };
    case "callout.cant":
      return { text: t("callouts.btn_cant"), callback_data: cb("co", "no", button.calloutId) };
    case "callout.update":
      return { text: t("callouts.btn_update"), callback_data: cb("co", "upd", button.calloutId) };
    case "callout.close":
      return { text: t("callouts.btn_close"), callback_data: cb("co", "close", button.calloutId) };
    case "callout.refresh":
      return { text: t("callouts.btn_refresh"), callback_data: cb("co", "tally", button.calloutId) };
    case "map":
      return { text: t("callouts.btn_map"), url: mapUrl(button.latitude, button.longitude) };
    default:
      return unknownButton(button);
  }
};

/** The point on 2GIS (the map most used in Kazakhstan); it opens in the app or the browser. */
export const mapUrl = (latitude: number, longitude: number) =>
  `https://2gis.kz/geo/${longitude.toFixed(6)},${latitude.toFixed(6)}`;

function unknownButton(button: never): never {
  throw new Error(`unknown outbox button ${JSON.stringify(button)}`);
}
