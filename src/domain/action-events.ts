import { createHash } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { Executor } from "../db/client";
import { at, enqueue, notifyEnqueued, type OutboxButton, type OutboxContent, type OutboxPayload } from "../db/outbox";
import { type Action, actions, channelPosts, linkedChats, organizations, outbox } from "../db/schema";
import { TIME_ZONE } from "../core/time";
import { rowsOf } from "../db/client";
import type { Locale } from "../i18n";
import { spotsLeft } from "./actions";
import { clipChars } from "./text";

/**
 * What happens around an action besides its own row, called inside the transaction that changed it:
 * channel posts and alerts to matching volunteers.
 */

/** An edit of a channel post waits this long, so a burst of joins becomes one edit (see actionChanged). */
export const POST_EDIT_DELAY_MS = 3000;
/** Instant alerts per volunteer and local day; the rest wait for the evening digest. */
export const INSTANT_ALERTS_PER_DAY = 3;
/**
 * The advisory-lock key that makes alert enqueues take turns (see enqueueAlerts). One key, not one per volunteer:
 * an action can match 50,000 people, far more locks than PostgreSQL's lock table holds, and publishing is rare
 * (the statement takes about a second for 50,000 matches), so turns cost nothing that matters.
 */
const ALERTS_LOCK = 7_203_118_201;

type Organization = { nameKk: string | null; nameRu: string | null } | null;

async function loadAction(tx: Executor, actionId: number) {
  const [row] = await tx
    .select({ action: actions, nameKk: organizations.nameKk, nameRu: organizations.nameRu })
    .from(actions)
    .leftJoin(organizations, eq(organizations.id, actions.organizationId))
    .where(eq(actions.id, actionId))
    .limit(1);
  if (!row) return undefined;
  return { action: row.action, organization: row.nameKk === null && row.nameRu === null ? null : row };
}

/** The card of an action in one language, as a template parameter (rendered in that language). */
function cardSection(action: Action, organization: Organization, locale: Locale, now: Date) {
  const [mine, other] = locale === "kk" ? (["Kk", "Ru"] as const) : (["Ru", "Kk"] as const);
  const text = (field: "title" | "description" | "address") =>
    (action[`${field}${mine}`] || action[`${field}${other}`] || "").trim();
  const orgName = organization ? (organization[`name${mine}`] || organization[`name${other}`] || "").trim() : "";
  const spots = spotsLeft(action.capacity, action.participantsCount);
  const status =
    action.status === "cancelled"
      ? { $tpl: "channels.status_cancelled" }
      : action.startsAt <= now
        ? { $tpl: "channels.status_started" }
        : spots === null
          ? { $tpl: "channels.status_unlimited" }
          : spots === 0
            ? { $tpl: "channels.status_full" }
            : { $tpl: "channels.status_spots", params: { count: spots, capacity: action.capacity } };
  const description = clipChars(text("description"), 700);
  return {
    $tpl: "channels.card",
    locale,
    params: {
      title: clipChars(text("title"), 200),
      // Date and time, never "today" / "tomorrow": a channel post is read for days.
      date: at.date(action.startsAt),
      time: at.time(action.startsAt),
      address: clipChars(text("address"), 200) || "—",
      organization: orgName ? { $tpl: "channels.card_organization", params: { name: clipChars(orgName, 200) } } : "",
      status,
      description: description ? { $tpl: "channels.card_description", params: { text: description } } : "",
    },
  };
}

/**
 * A channel post of the action: a channel has no language, so the card is shown in both languages when the action
 * has both (Kazakh first), else in the one it has. While the action is open, a URL button deep-links into the bot.
 */
export function channelPostContent(action: Action, organization: Organization, now: Date): OutboxContent {
  const hasKk = Boolean(action.titleKk?.trim());
  const hasRu = Boolean(action.titleRu?.trim());
  const both = hasKk && hasRu;
  const locale: Locale = hasKk ? "kk" : "ru";
  const open = action.status === "published" && action.startsAt > now;
  return {
    template: both ? "channels.post_bilingual" : "channels.post",
    params: both
      ? { kk: cardSection(action, organization, "kk", now), ru: cardSection(action, organization, "ru", now) }
      : { card: cardSection(action, organization, locale, now) },
    locale,
    ...(open ? { buttons: [[{ kind: "action.join_url" as const, actionId: action.id, both }]] } : {}),
  };
}

/** A fingerprint of what a post shows, so an unchanged post is not edited. */
function fingerprint(content: OutboxContent): string {
  return createHash("sha256").update(JSON.stringify(content)).digest("base64url").slice(0, 22);
}

/** The action was just published (a new one, or a duplicate): posts to the organization's channels, alerts. */
export async function actionPublished(tx: Executor, actionId: number, now: Date): Promise<void> {
  const loaded = await loadAction(tx, actionId);
  if (loaded?.action.status !== "published" || loaded.action.organizationId === null) return;
  const { action, organization } = loaded;
  const chats = await tx
    .select({ chatId: linkedChats.chatId })
    .from(linkedChats)
    .where(eq(linkedChats.organizationId, action.organizationId!));
  const content = channelPostContent(action, organization, now);
  const shownHash = fingerprint(content);
  for (const { chatId } of chats) {
    const inserted = await tx
      .insert(channelPosts)
      .values({ actionId, chatId, shownHash, createdAt: now, updatedAt: now })
      .onConflictDoNothing()
      .returning({ chatId: channelPosts.chatId });
    if (inserted.length === 0) continue;
    // The meeting point first (when the organizer shared a pin), so the post with its Join button comes last.
    if (action.hasPin) {
      const [first, second] = [action.titleKk, action.titleRu].filter(Boolean) as string[];
      const address = (action.addressKk || action.addressRu || "").trim();
      await enqueue(tx, {
        chatId,
        idempotencyKey: `post-venue:${actionId}:${chatId}`,
        content: {
          venue: {
            latitude: action.latitude,
            longitude: action.longitude,
            title: clipChars(first ?? second ?? "—", 100),
            address: clipChars(address || "—", 200),
          },
        },
      });
    }
    await enqueue(tx, {
      chatId,
      idempotencyKey: `post:${actionId}:${chatId}`,
      post: { actionId },
      content,
    });
  }
  await enqueueAlerts(tx, actionId, now);
}

/**
 * Something volunteers see changed: spots (a join or leave), time, place, texts, or the action was cancelled.
 * Brings the channel posts up to date: a post whose text did not change is left alone (shown_hash); a post not sent
 * yet is sent with the new text; an edit already waiting gets the new text instead of a second edit. A new edit
 * waits POST_EDIT_DELAY_MS, so a burst of joins becomes one edit, and the dispatcher keeps the group's rate.
 */
export async function actionChanged(tx: Executor, actionId: number, now: Date): Promise<void> {
  const posts = await tx
    .select({ chatId: channelPosts.chatId, shownHash: channelPosts.shownHash })
    .from(channelPosts)
    .innerJoin(linkedChats, eq(linkedChats.chatId, channelPosts.chatId))
    .where(eq(channelPosts.actionId, actionId));
  if (posts.length === 0) return;
  const loaded = await loadAction(tx, actionId);
  if (!loaded) return;
  const content = channelPostContent(loaded.action, loaded.organization, now);
  const shownHash = fingerprint(content);
  let enqueued = false;
  for (const post of posts) {
    if (post.shownHash === shownHash) continue;
    await tx
      .update(channelPosts)
      .set({ shownHash, updatedAt: now })
      .where(and(eq(channelPosts.actionId, actionId), eq(channelPosts.chatId, post.chatId)));
    // The post itself still waiting: it goes out with the new text.
    const waitingPost = await replacePending(
      tx,
      post.chatId,
      sql`${outbox.idempotencyKey} = ${`post:${actionId}:${post.chatId}`}`,
      { ...content, post: { actionId } },
    );
    if (waitingPost) {
      enqueued = true;
      continue;
    }
    const waitingEdit = await replacePending(
      tx,
      post.chatId,
      sql`${outbox.kind} = 'edit' and ${outbox.payload} #>> '{post,actionId}' = ${String(actionId)}`,
      { ...content, post: { actionId, edit: true } },
    );
    if (waitingEdit) {
      enqueued = true;
      continue;
    }
    await enqueue(tx, {
      chatId: post.chatId,
      idempotencyKey: `postedit:${actionId}:${post.chatId}:${now.getTime()}`,
      notBefore: new Date(now.getTime() + POST_EDIT_DELAY_MS),
      post: { actionId, edit: true },
      content,
    });
  }
  if (enqueued) notifyEnqueued();
}

/** Gives a waiting (not yet claimed) outbox row of the chat new content; false when there is none. */
async function replacePending(
  tx: Executor,
  chatId: number,
  which: ReturnType<typeof sql>,
  payload: OutboxPayload,
): Promise<boolean> {
  const rows = await tx
    .update(outbox)
    .set({ payload })
    .where(and(eq(outbox.chatId, chatId), eq(outbox.state, "pending"), which))
    .returning({ id: outbox.id });
  return rows.length > 0;
}

// ----- alerts to matching volunteers ------------------------------------------------------------------------------

const ts = (date: Date) => sql`${date.toISOString()}::timestamptz`;
/** An SQL text of the action in one language, else the other (columns of the CTE `a` below). */
const inLocale = (locale: Locale, kk: string, ru: string) =>
  locale === "ru" ? `coalesce(nullif(${ru}, ''), ${kk})` : `coalesce(nullif(${kk}, ''), ${ru})`;

/** The instant alert's outbox payload in one language, built once per action (not once per volunteer). */
const alertPayload = (locale: Locale) =>
  sql.raw(`jsonb_build_object(
    'template', 'alerts.instant',
    'locale', '${locale}',
    'params', jsonb_build_object(
      'title', left(${inLocale(locale, "a.title_kk", "a.title_ru")}, 200),
      'when', jsonb_build_object('$datetime', a.starts_at),
      'place', coalesce(nullif(left(${inLocale(locale, "a.address_kk", "a.address_ru")}, 200), ''), '—'),
      'organization', coalesce(left(${inLocale(locale, "o.name_kk", "o.name_ru")}, 200), '—'),
      'category', jsonb_build_object('$t', 'categories.' || a.category)),
    'buttons', jsonb_build_array(jsonb_build_array(
      jsonb_build_object('kind', '${"action.open" satisfies OutboxButton["kind"]}', 'actionId', a.id),
      jsonb_build_object('kind', '${"action.join" satisfies OutboxButton["kind"]}', 'actionId', a.id))),
    'expiresAt', a.starts_at,
    'dropInQuietHours', true)`);

/**
 * One set-based statement: every volunteer the action matches gets an action_alerts row. Matching: consented,
 * onboarded, not blocked or paused, alerts not off, not the organization muted, not its members (the creator among
 * them); interests include the category (no interests: every category); and near it: within their alert radius when
 * they shared a location and the action has a pin, else the same region. Volunteers on "at once" get the alert through the outbox in the
 * same statement (sent_at set), at most INSTANT_ALERTS_PER_DAY a local day; the rest wait for the evening digest.
 * The outbox rows are built from the matches directly (no join back to the inserted alerts): a volunteer alerted
 * before already has the row's idempotency key, so nothing is sent twice.
 * The cap holds when actions are published at once (two organizers, two instances): the statement runs only after
 * an advisory lock, held to the end of the caller's transaction, and reads committed rows with a snapshot taken after
 * it (READ COMMITTED), so it counts every instant alert of the publish before it.
 * Returns the number of alert rows.
 */
export async function enqueueAlerts(db: Executor, actionId: number, now: Date): Promise<number> {
  // A savepoint inside the caller's transaction (or a transaction of its own): the lock lasts until its end.
  const rows = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${ALERTS_LOCK}::bigint)`);
    return rowsOf<{ alerts: number | string; sent: number | string }>(
      await tx.execute(sql`
    with a as (
      select a.*, ll_to_earth(a.latitude, a.longitude) as point,
        ${alertPayload("kk")} as payload_kk, ${alertPayload("ru")} as payload_ru
      from actions a left join organizations o on o.id = a.organization_id
      where a.id = ${actionId} and a.status = 'published' and a.starts_at > ${ts(now)}),
    day as (select (date_trunc('day', ${ts(now)} at time zone ${TIME_ZONE}) at time zone ${TIME_ZONE}) as start),
    matched as (
      select u.id, u.language,
        u.alert_mode = 'instant' and (
          select count(*) from (
            select 1 from action_alerts x cross join day
            where x.user_id = u.id and x.sent_at >= day.start limit ${INSTANT_ALERTS_PER_DAY}) today
          ) < ${INSTANT_ALERTS_PER_DAY} as instant
      from users u cross join a
      where u.consent_at is not null and u.onboarded_at is not null and u.blocked_at is null and u.paused_at is null
        and u.alert_mode <> 'off' and u.id is distinct from a.created_by
        and (cardinality(u.interests) = 0 or a.category = any(u.interests))
        and (u.region_code = a.region_code or u.latitude is not null)
        and case when u.latitude is not null and u.longitude is not null and a.has_pin
          then earth_distance(ll_to_earth(u.latitude, u.longitude), a.point) <= u.alert_radius_km * 1000.0
          else u.region_code = a.region_code end
        and not exists (
          select 1 from organization_mutes m where m.user_id = u.id and m.organization_id = a.organization_id)
        and not exists (
          select 1 from organization_members om where om.user_id = u.id and om.organization_id = a.organization_id)),
    alerts as (
      insert into action_alerts (user_id, action_id, created_at, sent_at)
      select m.id, a.id, ${ts(now)}, case when m.instant then ${ts(now)} end from matched m cross join a
      on conflict do nothing
      returning 1),
    sent as (
      insert into outbox (chat_id, kind, payload, priority, not_before, idempotency_key)
      select u.id, 'message', case when u.language = 'ru' then a.payload_ru else a.payload_kk end,
        1, ${ts(now)}, 'alert:' || a.id || ':' || u.id
      from matched u cross join a
      where u.instant
      on conflict (idempotency_key) do nothing
      returning 1)
    select (select count(*) from alerts) as alerts, (select count(*) from sent) as sent`),
    );
  });
  if (Number(rows[0]?.sent ?? 0) > 0) notifyEnqueued();
  return Number(rows[0]?.alerts ?? 0);
}
