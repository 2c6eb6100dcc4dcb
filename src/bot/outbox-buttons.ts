import type { ButtonRenderer } from "../delivery/render";
import { cb } from "./callback-data";

/**
 * The inline buttons of outbox messages: what the domain and the scheduler say a button does, turned into a label and
 * the callback data the bot's handlers parse (src/bot/features/reminders/, the "m:" menu routes). The composition
 * root hands it to the dispatcher.
 */
export const renderOutboxButton: ButtonRenderer = (button, t) => {
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
    case "open.hours":
      return { text: t("hours.btn_to_hours"), callback_data: cb("m", "hours") };
    case "action.open":
      return { text: t("actions.open_card"), callback_data: cb("a", "o", button.actionId, "m") };
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
