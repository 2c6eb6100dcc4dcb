import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { type AlertMode, type User, users } from "../db/schema";
import type { QuietHours } from "../core/time";

/** The quiet-hour choices offered in settings; "off" has equal start and end (no quiet hours). */
export const QUIET_PRESETS = {
  "22-08": { startMinute: 22 * 60, endMinute: 8 * 60 },
  "23-07": { startMinute: 23 * 60, endMinute: 7 * 60 },
  "21-09": { startMinute: 21 * 60, endMinute: 9 * 60 },
  off: { startMinute: 0, endMinute: 0 },
} as const satisfies Record<string, QuietHours>;

export type QuietPreset = keyof typeof QUIET_PRESETS;

export function isQuietPreset(value: string): value is QuietPreset {
  return Object.hasOwn(QUIET_PRESETS, value);
}

export interface ReminderPreferences {
  reminder24h: boolean;
  reminder2h: boolean;
  quiet: QuietHours;
}

export function reminderPreferences(
  user: Pick<User, "reminder24h" | "reminder2h" | "quietStartMinute" | "quietEndMinute">,
): ReminderPreferences {
  return {
    reminder24h: user.reminder24h,
    reminder2h: user.reminder2h,
    quiet: { startMinute: user.quietStartMinute, endMinute: user.quietEndMinute },
  };
}

/** Turns the 24 h or 2 h action reminder on or off; returns the stored preferences. */
export async function setReminder(
  db: Database,
  userId: number,
  which: "24h" | "2h",
  on: boolean,
): Promise<ReminderPreferences> {
  const [row] = await db
    .update(users)
    .set({ [which === "24h" ? "reminder24h" : "reminder2h"]: on, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning();
  if (!row) throw new Error("user_not_found");
  return reminderPreferences(row);
}

export async function setQuietHours(db: Database, userId: number, quiet: QuietHours): Promise<ReminderPreferences> {
  const [row] = await db
    .update(users)
    .set({ quietStartMinute: quiet.startMinute, quietEndMinute: quiet.endMinute, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning();
  if (!row) throw new Error("user_not_found");
  return reminderPreferences(row);
}

/** The preset matching the stored quiet hours, if any ("off" for none at all). */
export function quietPresetOf(quiet: QuietHours): QuietPreset | undefined {
  if (quiet.startMinute === quiet.endMinute) return "off";
  return (Object.keys(QUIET_PRESETS) as QuietPreset[]).find(
    (key) => QUIET_PRESETS[key].startMinute === quiet.startMinute && QUIET_PRESETS[key].endMinute === quiet.endMinute,
  );
}

/** How new matching actions reach the volunteer; the settings button goes round in this order. */
export const ALERT_MODE_CYCLE = ["digest", "instant", "off"] as const satisfies readonly AlertMode[];
/** The alert radius choices (km) offered when a location is shared. */
export const ALERT_RADII = [10, 30, 50, 100] as const;

export function nextAlertMode(mode: AlertMode): AlertMode {
  const i = ALERT_MODE_CYCLE.indexOf(mode as (typeof ALERT_MODE_CYCLE)[number]);
  return ALERT_MODE_CYCLE[(i + 1) % ALERT_MODE_CYCLE.length]!;
}

/** The next radius choice after the stored one (a stored value not offered goes to the first). */
export function nextAlertRadius(km: number): number {
  return ALERT_RADII.find((r) => r > km) ?? ALERT_RADII[0];
}

export async function setAlertMode(db: Database, userId: number, mode: AlertMode): Promise<AlertMode> {
  const [row] = await db
    .update(users)
    .set({ alertMode: mode, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning({ alertMode: users.alertMode });
  if (!row) throw new Error("user_not_found");
  return row.alertMode;
}

export async function setAlertRadius(db: Database, userId: number, km: number): Promise<number> {
  const [row] = await db
    .update(users)
    .set({ alertRadiusKm: km, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning({ alertRadiusKm: users.alertRadiusKm });
  if (!row) throw new Error("user_not_found");
  return row.alertRadiusKm;
}
