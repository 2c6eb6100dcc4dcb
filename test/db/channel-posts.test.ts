import { and, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { channelPosts, linkedChats, outbox, users } from "../../src/db/schema";
import { actionChanged } from "../../src/domain/action-events";
import { joinAction } from "../../src/domain/participation";
import { addOrganization, publishAction } from "../support/channel-fixtures";
import { testDatabases } from "../support/db";

const CHANNEL = -1_001_234_000_001;

describe.each(testDatabases)("channel posts kept up to date on $name", (kind) => {
  let database: DatabaseHandle;
  let organizationId: number;
  const db = () => database.db;

  beforeAll(async () => {
    database = await kind.open();
    await db()
      .insert(users)
      .values(
        [1, 11, 12, 13].map((id) => ({ id, language: "kk" as const, onboardedAt: new Date(), consentAt: new Date() })),
      );
    organizationId = await addOrganization(db(), { ownerId: 1 });
    await db()
      .insert(linkedChats)
      .values({ chatId: CHANNEL, organizationId, kind: "channel", title: "Ерікті", linkedBy: 1 });
  });
  afterAll(() => database?.close());

  const rowsFor = (actionId: number) =>
    db()
      .select()
      .from(outbox)
      .where(and(eq(outbox.chatId, CHANNEL), like(outbox.idempotencyKey, `post%:${actionId}:%`)))
      .orderBy(outbox.id);

  it("posts once per linked chat, and does not edit a post whose text did not change", async () => {
    const actionId = await publishAction(db(), { organizationId, capacity: 3 });
    // The meeting point (a pin) first, then the post with its Join button.
    expect((await rowsFor(actionId)).map((r) => r.kind)).toEqual(["venue", "message"]);
    await db().transaction((tx) => actionChanged(tx, actionId, new Date()));
    expect(await rowsFor(actionId)).toHaveLength(2);
  });

  it("sends a post still waiting with the new text, and folds a burst of changes into one waiting edit", async () => {
    const actionId = await publishAction(db(), { organizationId, capacity: 3 });
    await joinAction(db(), actionId, 11);
    // The post has not gone out yet: it is rewritten, no edit is queued.
    let rows = (await rowsFor(actionId)).filter((r) => r.kind !== "venue");
    expect(rows.map((r) => r.kind)).toEqual(["message"]);
    expect(JSON.stringify(rows[0]!.payload)).toContain('"count":2');

    // Sent (as the dispatcher would record it): the next changes become one edit.
    await db().update(outbox).set({ state: "sent" }).where(eq(outbox.id, rows[0]!.id));
    await db().update(channelPosts).set({ messageId: 77 }).where(eq(channelPosts.actionId, actionId));
    await joinAction(db(), actionId, 12);
    await joinAction(db(), actionId, 13);
    rows = await rowsFor(actionId);
    const edits = rows.filter((r) => r.kind === "edit");
    expect(edits).toHaveLength(1);
    expect(edits[0]!.notBefore.getTime()).toBeGreaterThan(Date.now());
    expect(JSON.stringify(edits[0]!.payload)).toContain("channels.status_full");
  });
});
