import type { Executor } from "../db/client";

/**
 * What happens around an action besides its own row, called inside the transaction that changed it:
 * channel posts and alerts to matching volunteers (filled in by the channels/alerts work).
 */

/** The action was just published (a new one, or a duplicate): posts to the organization's channels, alerts. */
export async function actionPublished(_tx: Executor, _actionId: number, _now: Date): Promise<void> {}

/**
 * Something volunteers see changed: spots (a join or leave), time, place, texts, or the action was cancelled.
 * Brings the channel posts up to date.
 */
export async function actionChanged(_tx: Executor, _actionId: number, _now: Date): Promise<void> {}
