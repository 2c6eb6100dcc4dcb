import type { Database } from "../../src/db/client";
import type { Category } from "../../src/domain/categories";
import { setQuietHours } from "../../src/domain/preferences";
import type { QuietHours } from "../../src/core/time";
import { completeOnboarding, type GeoPoint, touchUser } from "../../src/domain/users";
import type { BotApiEmulator } from "./fake-telegram";

export interface OnboardedUser {
  language: "kk" | "ru";
  consent?: boolean;
  firstName?: string;
  regionCode?: string;
  interests?: Category[];
  location?: GeoPoint;
  /** Off unless asked for ("default": the product's 22:00–08:00), so a test does not depend on the time of day. */
  quietHours?: QuietHours | "default";
}

/**
 * A Telegram user known to the fake server who has finished onboarding (straight through the domain). Quiet hours
 * are off unless asked for: with the product's default, a message the outbox sends would wait until 08:00 in Almaty
 * whenever the suite runs after 22:00 there (17:00 UTC).
 */
export async function onboardUser(
  db: Database,
  emulator: BotApiEmulator,
  id: number,
  user: OnboardedUser,
): Promise<void> {
  const firstName = user.firstName ?? "Самал";
  emulator.addUser({ id, first_name: firstName, language_code: user.language });
  await touchUser(db, id, false);
  await completeOnboarding(db, id, {
    language: user.language,
    regionCode: user.regionCode ?? "almaty",
    interests: user.interests ?? ["ecology"],
    consent: user.consent ?? true,
    location: user.location,
    profile: { firstName },
  });
  const quiet = user.quietHours ?? { startMinute: 0, endMinute: 0 };
  if (quiet !== "default") await setQuietHours(db, id, quiet);
}
