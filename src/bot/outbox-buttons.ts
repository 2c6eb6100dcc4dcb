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
    default:
      return unknownButton(button);
  }
};

function unknownButton(button: never): never {
  throw new Error(`unknown outbox button ${JSON.stringify(button)}`);
}
