import type { Database } from "../../src/db/client";
import type { Category } from "../../src/domain/categories";
import { completeOnboarding, type GeoPoint, touchUser } from "../../src/domain/users";
import type { BotApiEmulator } from "./fake-telegram";

export interface OnboardedUser {
  language: "kk" | "ru";
  consent?: boolean;
  firstName?: string;
  regionCode?: string;
  interests?: Category[];
  location?: GeoPoint;
}

/** A Telegram user known to the fake server who has finished onboarding (straight through the domain). */
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
}
