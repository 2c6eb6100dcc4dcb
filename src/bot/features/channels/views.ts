import { InlineKeyboard } from "grammy";
import type { LinkedChat } from "../../../db/schema";
import { clipChars } from "../../../domain/text";
import type { Translate } from "../../../i18n";
import { cb } from "../../callback-data";

/** The organization's linked channels and groups, with an Unlink button each and "Link a channel or group". */
export function channelsView(
  t: Translate,
  chats: LinkedChat[],
  organizations: Array<{ id: number; name: string }>,
): { text: string; keyboard: InlineKeyboard } {
  const lines = chats.map((c, i) =>
    t("channels.list_item", {
      n: i + 1,
      title: clipChars(c.title, 80),
      kind: t(c.kind === "channel" ? "channels.kind_channel" : "channels.kind_group"),
    }),
  );
  const text = `${t("channels.list_title")}\n\n${lines.length ? lines.join("\n") : t("channels.list_empty")}`;
  const keyboard = new InlineKeyboard();
  for (const c of chats) {
    keyboard.text(t("channels.btn_unlink", { title: clipChars(c.title, 40) }), cb("ch", "un", c.chatId)).row();
  }
  for (const org of organizations) {
    const label =
      organizations.length > 1 ? `${t("channels.btn_link")} (${clipChars(org.name, 30)})` : t("channels.btn_link");
    keyboard.text(label, cb("ch", "add", org.id)).row();
  }
  // Back to the organization's screen (/org), or to the menu for someone in several organizations.
  const back = organizations.length === 1 ? cb("org", "h", organizations[0]!.id) : cb("m", "home");
  return { text, keyboard: keyboard.text(t("common.back"), back) };
}
