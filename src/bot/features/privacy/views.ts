import { InlineKeyboard, InputFile } from "grammy";
import type { PersonalDataExport } from "../../../domain/privacy";
import type { Translate } from "../../../i18n";
import { cb } from "../../callback-data";

/** The export as a readable file: pretty-printed UTF-8 JSON. */
export function exportFile(data: PersonalDataExport): InputFile {
  const json = `${JSON.stringify(data, null, 2)}\n`;
  return new InputFile(Buffer.from(json, "utf8"), `erikti-mydata-${data.profile.telegramId}.json`);
}

/** Names one account: a deleted account's button cannot delete the new account of the same person. */
export function accountStamp(createdAt: Date): string {
  return createdAt.getTime().toString(36);
}

/**
 * "Delete" names the account it deletes (the user and when the account was made), so a forged button or one from
 * a deleted account does nothing; "Keep" needs nothing.
 */
export function deleteConfirmKeyboard(t: Translate, user: { id: number; createdAt: Date }): InlineKeyboard {
  return new InlineKeyboard()
    .text(t("privacy.btn_delete"), cb("pv", "del", user.id, accountStamp(user.createdAt)))
    .text(t("privacy.btn_keep"), cb("pv", "keep"));
}
