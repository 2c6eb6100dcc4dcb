CREATE TABLE "action_alerts" (
	"user_id" bigint NOT NULL,
	"action_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "action_alerts_user_id_action_id_pk" PRIMARY KEY("user_id","action_id")
);
--> statement-breakpoint
CREATE TABLE "broadcasts" (
	"id" serial PRIMARY KEY NOT NULL,
	"organization_id" integer,
	"created_by" bigint,
	"audience" jsonb NOT NULL,
	"text" text NOT NULL,
	"photo_file_id" text,
	"status" text DEFAULT 'sending' NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"progress_chat_id" bigint,
	"progress_message_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "broadcasts_status_check" CHECK ("broadcasts"."status" in ('sending', 'stopped', 'done'))
);
--> statement-breakpoint
CREATE TABLE "channel_posts" (
	"action_id" integer NOT NULL,
	"chat_id" bigint NOT NULL,
	"message_id" integer,
	"shown_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "channel_posts_action_id_chat_id_pk" PRIMARY KEY("action_id","chat_id")
);
--> statement-breakpoint
CREATE TABLE "coordinators" (
	"user_id" bigint NOT NULL,
	"region_code" text NOT NULL,
	"appointed_by" bigint,
	"appointed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "coordinators_user_id_region_code_pk" PRIMARY KEY("user_id","region_code")
);
--> statement-breakpoint
CREATE TABLE "linked_chats" (
	"chat_id" bigint PRIMARY KEY NOT NULL,
	"organization_id" integer NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"username" text,
	"linked_by" bigint,
	"linked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "linked_chats_kind_check" CHECK ("linked_chats"."kind" in ('channel', 'group', 'supergroup'))
);
--> statement-breakpoint
CREATE TABLE "organization_members" (
	"organization_id" integer NOT NULL,
	"user_id" bigint NOT NULL,
	"role" text NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organization_members_organization_id_user_id_pk" PRIMARY KEY("organization_id","user_id"),
	CONSTRAINT "organization_members_role_check" CHECK ("organization_members"."role" in ('owner', 'organizer'))
);
--> statement-breakpoint
CREATE TABLE "organization_mutes" (
	"user_id" bigint NOT NULL,
	"organization_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organization_mutes_user_id_organization_id_pk" PRIMARY KEY("user_id","organization_id")
);
--> statement-breakpoint
ALTER TABLE "actions" DROP CONSTRAINT "actions_capacity_check";--> statement-breakpoint
ALTER TABLE "actions" DROP CONSTRAINT "actions_count_check";--> statement-breakpoint
ALTER TABLE "actions" ALTER COLUMN "capacity" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "alert_mode" text DEFAULT 'digest' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "alert_radius_km" smallint DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "title_kk" text;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "title_ru" text;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "description_kk" text;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "description_ru" text;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "address_kk" text;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "address_ru" text;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "has_pin" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "walk_ins" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "checkin_token" text;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "cancel_reason" text;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "published_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "name_kk" text;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "name_ru" text;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "kind" text DEFAULT 'ngo' NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "phone" text;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "description" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "bin" text;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "status" text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "reject_reason" text;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "decided_by" bigint;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "decided_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "invite_token" text;--> statement-breakpoint
ALTER TABLE "participations" ADD COLUMN "checked_in_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "hour_entries" ADD COLUMN "reject_reason" text;--> statement-breakpoint
-- Existing texts were written in one language: Kazakh when they hold a letter only Kazakh has, else Russian.
UPDATE "organizations" SET
  "name_kk" = CASE WHEN "name" ~* '[әғқңөұүһі]' THEN "name" END,
  "name_ru" = CASE WHEN "name" ~* '[әғқңөұүһі]' THEN NULL ELSE "name" END,
  "status" = 'approved',
  "verified_at" = coalesce("verified_at", "created_at");--> statement-breakpoint
INSERT INTO "organization_members" ("organization_id", "user_id", "role")
  SELECT "id", "owner_id", 'owner' FROM "organizations" WHERE "owner_id" IS NOT NULL;--> statement-breakpoint
UPDATE "actions" SET
  "title_kk" = CASE WHEN "title" ~* '[әғқңөұүһі]' THEN "title" END,
  "title_ru" = CASE WHEN "title" ~* '[әғқңөұүһі]' THEN NULL ELSE "title" END,
  "description_kk" = CASE WHEN "description" ~* '[әғқңөұүһі]' THEN nullif("description", '') END,
  "description_ru" = CASE WHEN "description" ~* '[әғқңөұүһі]' THEN NULL ELSE nullif("description", '') END,
  "address_kk" = CASE WHEN "address" ~* '[әғқңөұүһі]' THEN nullif("address", '') END,
  "address_ru" = CASE WHEN "address" ~* '[әғқңөұүһі]' THEN NULL ELSE nullif("address", '') END,
  "published_at" = CASE WHEN "status" <> 'draft' THEN "created_at" END;--> statement-breakpoint
ALTER TABLE "action_alerts" ADD CONSTRAINT "action_alerts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "action_alerts" ADD CONSTRAINT "action_alerts_action_id_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "broadcasts" ADD CONSTRAINT "broadcasts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "broadcasts" ADD CONSTRAINT "broadcasts_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_posts" ADD CONSTRAINT "channel_posts_action_id_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coordinators" ADD CONSTRAINT "coordinators_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "coordinators" ADD CONSTRAINT "coordinators_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "linked_chats" ADD CONSTRAINT "linked_chats_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "linked_chats" ADD CONSTRAINT "linked_chats_linked_by_users_id_fk" FOREIGN KEY ("linked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_members" ADD CONSTRAINT "organization_members_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_members" ADD CONSTRAINT "organization_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_mutes" ADD CONSTRAINT "organization_mutes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_mutes" ADD CONSTRAINT "organization_mutes_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "action_alerts_unsent_idx" ON "action_alerts" USING btree ("user_id") WHERE "action_alerts"."sent_at" is null;--> statement-breakpoint
CREATE INDEX "broadcasts_organization_idx" ON "broadcasts" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE INDEX "channel_posts_chat_idx" ON "channel_posts" USING btree ("chat_id");--> statement-breakpoint
CREATE INDEX "coordinators_region_idx" ON "coordinators" USING btree ("region_code");--> statement-breakpoint
CREATE INDEX "linked_chats_organization_idx" ON "linked_chats" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "organization_members_user_idx" ON "organization_members" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "actions_organization_idx" ON "actions" USING btree ("organization_id","starts_at");--> statement-breakpoint
CREATE UNIQUE INDEX "organizations_one_pending" ON "organizations" USING btree ("owner_id") WHERE "organizations"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "organizations_region_idx" ON "organizations" USING btree ("region_code","status");--> statement-breakpoint
ALTER TABLE "actions" ADD CONSTRAINT "actions_checkin_token_unique" UNIQUE("checkin_token");--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_invite_token_unique" UNIQUE("invite_token");--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_alert_mode_check" CHECK ("users"."alert_mode" in ('instant', 'digest', 'off'));--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_alert_radius_check" CHECK ("users"."alert_radius_km" between 1 and 1000);--> statement-breakpoint
ALTER TABLE "actions" ADD CONSTRAINT "actions_title_check" CHECK (coalesce("actions"."title_kk", "actions"."title_ru") is not null);--> statement-breakpoint
ALTER TABLE "actions" ADD CONSTRAINT "actions_capacity_check" CHECK ("actions"."capacity" is null or "actions"."capacity" > 0);--> statement-breakpoint
ALTER TABLE "actions" ADD CONSTRAINT "actions_count_check" CHECK ("actions"."participants_count" >= 0 and ("actions"."capacity" is null or "actions"."participants_count" <= "actions"."capacity"));--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_name_check" CHECK (coalesce("organizations"."name_kk", "organizations"."name_ru") is not null);--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_status_check" CHECK ("organizations"."status" in ('pending', 'approved', 'rejected'));--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_kind_check" CHECK ("organizations"."kind" in ('ngo', 'university', 'school', 'akimat', 'business', 'initiative'));