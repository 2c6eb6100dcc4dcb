import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { actions, organizations } from "./actions";
import { regions } from "./regions";
import { users } from "./users";

export const MEMBER_ROLES = ["owner", "organizer"] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** Who may act for an organization: its owner (the applicant) and the organizers the owner invited. */
export const organizationMembers = pgTable(
  "organization_members",
  {
    organizationId: integer("organization_id")
      .notNull()
      .references(() => organizations.id),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id),
    role: text("role").$type<MemberRole>().notNull(),
    addedAt: timestamp("added_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.userId] }),
    index("organization_members_user_idx").on(t.userId),
    check("organization_members_role_check", sql`${t.role} in ('owner', 'organizer')`),
  ],
);

/** Regional coordinators (front office of one region), appointed by a national admin. */
export const coordinators = pgTable(
  "coordinators",
  {
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id),
    regionCode: text("region_code")
      .notNull()
      .references(() => regions.code),
    appointedBy: bigint("appointed_by", { mode: "number" }),
    appointedAt: timestamp("appointed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.regionCode] }), index("coordinators_region_idx").on(t.regionCode)],
);

export const LINKED_CHAT_KINDS = ["channel", "group", "supergroup"] as const;
export type LinkedChatKind = (typeof LINKED_CHAT_KINDS)[number];

/** A channel or group where an organization publishes its actions (the bot and the linking organizer are admins). */
export const linkedChats = pgTable(
  "linked_chats",
  {
    chatId: bigint("chat_id", { mode: "number" }).primaryKey(),
    organizationId: integer("organization_id")
      .notNull()
      .references(() => organizations.id),
    kind: text("kind").$type<LinkedChatKind>().notNull(),
    title: text("title").notNull(),
    username: text("username"),
    linkedBy: bigint("linked_by", { mode: "number" }).references(() => users.id),
    linkedAt: timestamp("linked_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("linked_chats_organization_idx").on(t.organizationId),
    check("linked_chats_kind_check", sql`${t.kind} in ('channel', 'group', 'supergroup')`),
  ],
);

/** An action's post in a linked chat, kept up to date (spots left, full, cancelled). */
export const channelPosts = pgTable(
  "channel_posts",
  {
    actionId: integer("action_id")
      .notNull()
      .references(() => actions.id),
    chatId: bigint("chat_id", { mode: "number" }).notNull(),
    /** null until the outbox has sent the post. */
    messageId: integer("message_id"),
    /** Fingerprint of the text last sent or edited in, so an unchanged post is not edited again. */
    shownHash: text("shown_hash"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.actionId, t.chatId] }), index("channel_posts_chat_idx").on(t.chatId)],
);

export const BROADCAST_STATUSES = ["sending", "stopped", "done"] as const;
export type BroadcastStatus = (typeof BROADCAST_STATUSES)[number];

/** An organization's (or a front office's) message to an audience, sent through the outbox as one batch. */
export const broadcasts = pgTable(
  "broadcasts",
  {
    id: serial("id").primaryKey(),
    organizationId: integer("organization_id").references(() => organizations.id),
    createdBy: bigint("created_by", { mode: "number" }).references(() => users.id),
    /** Who receives it: { kind: "action", actionId, withWaitlist } | { kind: "recent", months } | { kind: "channels" } … */
    audience: jsonb("audience").notNull(),
    text: text("text").notNull(),
    photoFileId: text("photo_file_id"),
    status: text("status").$type<BroadcastStatus>().notNull().default("sending"),
    total: integer("total").notNull().default(0),
    /** The sender's progress message, edited as the batch goes out. */
    progressChatId: bigint("progress_chat_id", { mode: "number" }),
    progressMessageId: integer("progress_message_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    index("broadcasts_organization_idx").on(t.organizationId, t.createdAt),
    check("broadcasts_status_check", sql`${t.status} in ('sending', 'stopped', 'done')`),
  ],
);

/** A volunteer who turned off messages from an organization (button under its broadcasts and alerts). */
export const organizationMutes = pgTable(
  "organization_mutes",
  {
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id),
    organizationId: integer("organization_id")
      .notNull()
      .references(() => organizations.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.organizationId] })],
);

/**
 * A published action that matched a volunteer: sent at once (sent_at set when enqueued) or kept for the daily
 * digest. One row per (user, action), so an action alerts a volunteer at most once.
 */
export const actionAlerts = pgTable(
  "action_alerts",
  {
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id),
    actionId: integer("action_id")
      .notNull()
      .references(() => actions.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.actionId] }),
    index("action_alerts_unsent_idx").on(t.userId).where(sql`${t.sentAt} is null`),
  ],
);

export type OrganizationMember = typeof organizationMembers.$inferSelect;
export type LinkedChat = typeof linkedChats.$inferSelect;
export type ChannelPost = typeof channelPosts.$inferSelect;
export type Broadcast = typeof broadcasts.$inferSelect;

/**
 * A national admin's invite link (`f_<token>`) that makes whoever opens it, after a confirmation, a coordinator of
 * one region. One use; it expires after a week.
 */
export const coordinatorInvites = pgTable(
  "coordinator_invites",
  {
    token: text("token").primaryKey(),
    regionCode: text("region_code")
      .notNull()
      .references(() => regions.code),
    createdBy: bigint("created_by", { mode: "number" }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedBy: bigint("used_by", { mode: "number" }),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("coordinator_invites_created_by_idx").on(t.createdBy)],
);

export type CoordinatorInvite = typeof coordinatorInvites.$inferSelect;
