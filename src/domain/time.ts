/** Kazakhstan has been on UTC+5 all year since 2024-03-01 (Asia/Almaty, no daylight saving). */
export const ALMATY_OFFSET_MS = 5 * 3_600_000;
export const DAY_MS = 86_400_000;
