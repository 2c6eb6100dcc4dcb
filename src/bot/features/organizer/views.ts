import { InlineKeyboard } from "grammy";
import { ORGANIZATION_KINDS, type OrganizationKind } from "../../../db/schema";
import type { HubFigures, MemberRow } from "../../../domain/organizations";
import type { Locale, Translate } from "../../../i18n";
import { formatDateTime } from "../../../i18n/format";
import { cb } from "../../callback-data";

export const kindName = (t: Translate, kind: OrganizationKind) => t(`organizer.kind_${kind}`);

export function kindKeyboard(t: Translate): InlineKeyboard {
  const kb = new InlineKeyboard();
  ORGANIZATION_KINDS.forEach((kind, i) => {
    kb.text(kindName(t, kind), cb("oap", "k", kind));
    if (i % 2 === 1) kb.row();
  });
  return kb;
}

export const skipKeyboard = (t: Translate, action: string) =>
  new InlineKeyboard().text(t("organizer.btn_skip"), cb("oap", action));

export const APPLY_FIELDS = ["name", "kind", "region", "phone", "description", "bin"] as const;
export type ApplyField = (typeof APPLY_FIELDS)[number];

export function summaryKeyboard(t: Translate): InlineKeyboard {
  return new InlineKeyboard()
    .text(t("organizer.btn_submit"), cb("oap", "send"))
    .row()
    .text(t("organizer.btn_edit"), cb("oap", "edit"))
    .text(t("organizer.btn_cancel"), cb("oap", "stop"));
}

export function editKeyboard(t: Translate): InlineKeyboard {
  const kb = new InlineKeyboard();
  APPLY_FIELDS.forEach((field, i) => {
    kb.text(t(`organizer.field_${field}`), cb("oap", "f", field));
    if (i % 2 === 1) kb.row();
  });
  return kb;
}

/** The organizer's screen: the figures and the buttons into each part (some handled by other features). */
export function hubView(
  t: Translate,
  locale: Locale,
  org: { id: number; name: string },
  figures: HubFigures,
  several: boolean,
): { text: string; keyboard: InlineKeyboard } {
  const lines = [
    t("organizer.hub_title", { name: org.name }),
    "",
    t("organizer.hub_actions", { upcoming: figures.upcoming, past: figures.past }),
  ];
  if (figures.next.length > 0) {
    lines.push("", t("organizer.hub_next_title"));
    for (const action of figures.next) {
      const params = {
        date: formatDateTime(action.startsAt, locale),
        title: action.title,
        joined: action.joined,
        capacity: action.capacity ?? 0,
        waitlist: action.waitlist,
      };
      lines.push(
        action.capacity === null
          ? t("organizer.hub_next_item_unlimited", params)
          : t("organizer.hub_next_item", params),
      );
    }
  }
  lines.push(
    "",
    t("organizer.hub_hours", { count: figures.pendingHours }),
    t("organizer.hub_channels", { count: figures.channels }),
    t("organizer.hub_members", { count: figures.members }),
  );
  const keyboard = new InlineKeyboard()
    .text(t("organizer.btn_new_action"), cb("oa", "new"))
    .text(t("organizer.btn_actions"), cb("oa", "list"))
    .row()
    .text(t("organizer.btn_channels"), cb("ch", "list"))
    .text(t("organizer.btn_broadcast"), cb("bc", "new"))
    .row()
    .text(t("organizer.btn_hours", { count: figures.pendingHours }), cb("hq", "list"))
    .row()
    .text(t("organizer.btn_members"), cb("om", "list", org.id));
  if (several) keyboard.row().text(t("organizer.btn_switch"), cb("org", "pick"));
  return { text: lines.join("\n"), keyboard };
}

export function chooseOrgView(t: Translate, orgs: Array<{ id: number; name: string }>) {
  const keyboard = new InlineKeyboard();
  for (const org of orgs) keyboard.text(org.name, cb("org", "h", org.id)).row();
  return { text: t("organizer.choose_org"), keyboard };
}

export function memberName(t: Translate, member: Pick<MemberRow, "firstName" | "username">): string {
  return member.firstName ?? (member.username ? `@${member.username}` : t("organizer.unknown_user"));
}

export function membersView(
  t: Translate,
  org: { id: number; name: string },
  members: MemberRow[],
  owner: boolean,
): { text: string; keyboard: InlineKeyboard } {
  const lines = [t("organizer.members_title", { name: org.name }), ""];
  for (const member of members) {
    const who = memberName(t, member);
    lines.push(t(member.role === "owner" ? "organizer.member_owner" : "organizer.member_organizer", { who }));
  }
  const keyboard = new InlineKeyboard();
  if (owner) {
    lines.push("", t("organizer.members_owner_hint"));
    for (const member of members.filter((m) => m.role === "organizer")) {
      // A label is plain text: the name goes in as it is (t() would HTML-escape it).
      keyboard.text(`✖️ ${memberName(t, member)}`, cb("om", "rm", org.id, member.userId));
      keyboard.row();
    }
    keyboard
      .text(t("organizer.btn_invite"), cb("om", "inv", org.id))
      .text(t("organizer.btn_new_link"), cb("om", "renew", org.id))
      .row();
  }
  keyboard.text(t("organizer.btn_back_hub"), cb("org", "h", org.id));
  return { text: lines.join("\n"), keyboard };
}

export const backToMembers = (t: Translate, organizationId: number) =>
  new InlineKeyboard().text(t("organizer.btn_members"), cb("om", "list", organizationId));

/** What the decider is told after pressing Approve or sending a reject reason (or that someone else decided first). */
export function decisionLine(
  t: Translate,
  outcome: { decided: boolean; name: string; status: string; decidedBy?: string },
): string {
  const params = { name: outcome.name, who: outcome.decidedBy ?? "" };
  if (outcome.decided)
    return t(outcome.status === "approved" ? "organizer.decided_approved" : "organizer.decided_rejected", params);
  if (outcome.status === "approved")
    return t(outcome.decidedBy ? "organizer.already_approved_by" : "organizer.already_approved", params);
  return t(outcome.decidedBy ? "organizer.already_rejected_by" : "organizer.already_rejected", params);
}
