import type { Translate } from "../i18n";
import type { BotContext } from "./context";

/**
 * A `t.me/<bot>?start=<prefix>_<arg>` link. Links that need a profile (an organizer's invitation) wait for onboarding
 * and then offer a button that continues; the others (an action's card, checking a volunteer book) open at once, even
 * for strangers.
 */
export interface DeepLink {
  prefix: string;
  needsOnboarding: boolean;
  /**
   * For a link that opens without a profile: a newcomer whose language is unknown (none stored, Telegram's neither kk
   * nor ru) is asked it first, and the answer opens the target (an action's card is read, so it must be in their
   * language). Without it the target opens at once in the default language.
   */
  asksLanguage?: boolean;
  /** Opens the target for a user who may use it; must answer something even for a bad or stale argument. */
  open(ctx: BotContext, arg: string): Promise<void>;
  /** After onboarding: a button that continues to the target (pure: no database). */
  continueButton?(t: Translate, arg: string): { text: string; data: string } | undefined;
}

const PAYLOAD = /^([a-z]{1,8})_([A-Za-z0-9_-]{1,56})$/;

export function matchDeepLink(links: readonly DeepLink[], payload: string | undefined) {
  const match = payload ? PAYLOAD.exec(payload) : null;
  if (!match) return undefined;
  const link = links.find((l) => l.prefix === match[1]);
  return link ? { link, arg: match[2]! } : undefined;
}

export function deepLinkUrl(botUsername: string, prefix: string, arg: string | number): string {
  return `https://t.me/${botUsername}?start=${prefix}_${arg}`;
}
