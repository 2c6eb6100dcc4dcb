import { InlineKeyboard } from "grammy";
import {
  BROADCAST_TEMPLATE,
  type BroadcastActionChoice,
  type BroadcastState,
  type OrganizationAudience,
  type OrganizationChoice,
  progressParams,
  RECENT_MONTHS,
} from "../../../domain/broadcasts";
import { clipChars } from "../../../domain/text";
import { type Locale, type Translate, translateDynamic } from "../../../i18n";
import { formatDate } from "../../../i18n/format";
import { cb } from "../../callback-data";

/** Plain text (a button, a toast): i18next would HTML-escape the values otherwise. */
const plain = { interpolation: { escapeValue: false } } as const;

/** The broadcast exactly as recipients get it (the organizer's text, escaped). */
export const broadcastText = (t: Translate, text: string) => translateDynamic(t, BROADCAST_TEMPLATE, { text });

/** The mute button as recipients see it under the message (outbox-buttons.ts renders the same). */
export function muteKeyboard(t: Translate, organizationId: number, name: string): InlineKeyboard {
  return new InlineKeyboard().text(
    t("broadcasts.btn_mute", { org: clipChars(name, 48), ...plain }),
    cb("bc", "mute", organizationId),
  );
}

export function organizationsKeyboard(orgs: OrganizationChoice[]): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const org of orgs) keyboard.text(clipChars(org.name, 60), cb("bcs", "o", org.id)).row();
  return keyboard;
}

export function audienceKeyboard(t: Translate): InlineKeyboard {
  return new InlineKeyboard()
    .text(t("broadcasts.btn_aud_action"), cb("bcs", "k", "action"))
    .row()
    .text(t("broadcasts.btn_aud_recent"), cb("bcs", "k", "recent"))
    .row()
    .text(t("broadcasts.btn_aud_channels"), cb("bcs", "k", "channels"));
}

/** The organization's actions to pick from (startsAt as an ISO string: it comes out of conversation.external). */
export function actionsKeyboard(
  t: Translate,
  locale: Locale,
  list: Array<Omit<BroadcastActionChoice, "startsAt"> & { startsAt: string }>,
): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const action of list) {
    const label = t("broadcasts.btn_action", {
      date: formatDate(new Date(action.startsAt), locale),
      title: clipChars(action.title, 40),
      ...plain,
    });
    keyboard.text(label, cb("bcs", "a", action.id)).row();
  }
  return keyboard;
}

export function waitlistKeyboard(t: Translate): InlineKeyboard {
  return new InlineKeyboard()
    .text(t("broadcasts.btn_joined_only"), cb("bcs", "w", 0))
    .row()
    .text(t("broadcasts.btn_with_waitlist"), cb("bcs", "w", 1));
}

export function monthsKeyboard(t: Translate): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const months of RECENT_MONTHS)
    keyboard.text(t("broadcasts.btn_months", { count: months }), cb("bcs", "m", months));
  return keyboard;
}

export const noPhotoKeyboard = (t: Translate) =>
  new InlineKeyboard().text(t("broadcasts.btn_no_photo"), cb("bcs", "np"));

export function confirmKeyboard(t: Translate): InlineKeyboard {
  return new InlineKeyboard()
    .text(t("broadcasts.btn_confirm"), cb("bcs", "ok"))
    .row()
    .text(t("broadcasts.btn_edit"), cb("bcs", "ed"))
    .text(t("broadcasts.btn_cancel"), cb("bcs", "no"));
}

/** Who the audience is, in words (HTML). */
export function audienceInWords(t: Translate, audience: OrganizationAudience, actionTitle?: string): string {
  switch (audience.kind) {
    case "action":
      return t(audience.withWaitlist ? "broadcasts.aud_action_waitlist" : "broadcasts.aud_action", {
        title: actionTitle ?? "",
      });
    case "recent":
      return t("broadcasts.aud_recent", { count: audience.months });
    case "channels":
      return t("broadcasts.aud_channels");
  }
}

/** The progress message (or the final report), with the Stop button while it is sending. */
export function progressView(t: Translate, state: BroadcastState, final: boolean) {
  const { template, params } = progressParams(state, final);
  const keyboard =
    !final && state.status === "sending"
      ? new InlineKeyboard().text(t("broadcasts.btn_stop"), cb("bc", "stop", state.id))
      : undefined;
  return { text: translateDynamic(t, template, params), keyboard };
}
