import { hasConsent } from "../domain/users";
import type { BotContext } from "./context";

/** For a button that needs consent to personal-data processing: true, or an explaining alert and false. */
export async function requireConsent(ctx: BotContext): Promise<boolean> {
  if (hasConsent(ctx.user)) return true;
  await ctx.answerCallbackQuery({ text: ctx.t("settings.consent_required"), show_alert: true });
  return false;
}
