CREATE TABLE "actions" (
	"id" serial PRIMARY KEY NOT NULL,
	"organization_id" integer,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"category" text NOT NULL,
	"region_code" text,
	"address" text DEFAULT '' NOT NULL,
	"latitude" double precision NOT NULL,
	"longitude" double precision NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"capacity" integer NOT NULL,
	"participants_count" integer DEFAULT 0 NOT NULL,
	"hours" numeric(4, 1) DEFAULT 0 NOT NULL,
	"marathon_id" integer,
	"status" text DEFAULT 'published' NOT NULL,
	"created_by" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "actions_capacity_check" CHECK ("actions"."capacity" > 0),
	CONSTRAINT "actions_count_check" CHECK ("actions"."participants_count" >= 0 and "actions"."participants_count" <= "actions"."capacity"),
	CONSTRAINT "actions_time_check" CHECK ("actions"."ends_at" > "actions"."starts_at"),
	CONSTRAINT "actions_status_check" CHECK ("actions"."status" in ('draft', 'published', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "marathons" (
	"id" serial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"title_kk" text NOT NULL,
	"title_ru" text NOT NULL,
	"description_kk" text DEFAULT '' NOT NULL,
	"description_ru" text DEFAULT '' NOT NULL,
	"region_code" text,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "marathons_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"region_code" text,
	"owner_id" bigint,
	"verified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "participations" (
	"action_id" integer NOT NULL,
	"user_id" bigint NOT NULL,
	"status" text NOT NULL,
	"queued_seq" bigserial NOT NULL,
	"attendance" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "participations_action_id_user_id_pk" PRIMARY KEY("action_id","user_id"),
	CONSTRAINT "participations_status_check" CHECK ("participations"."status" in ('joined', 'waitlisted', 'left'))
);
--> statement-breakpoint
CREATE TABLE "marathon_deeds" (
	"id" serial PRIMARY KEY NOT NULL,
	"marathon_id" integer NOT NULL,
	"user_id" bigint NOT NULL,
	"text" text NOT NULL,
	"photo_file_id" text,
	"hours" numeric(4, 1) DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "marathon_deeds_text_check" CHECK (char_length("marathon_deeds"."text") between 1 and 1000)
);
--> statement-breakpoint
CREATE TABLE "marathon_participants" (
	"marathon_id" integer NOT NULL,
	"user_id" bigint NOT NULL,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "marathon_participants_marathon_id_user_id_pk" PRIMARY KEY("marathon_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "hour_entries" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"source" text NOT NULL,
	"action_id" integer,
	"organization_name" text,
	"category" text,
	"activity_date" date NOT NULL,
	"hours" numeric(4, 1) NOT NULL,
	"note" text,
	"status" text NOT NULL,
	"decided_by" bigint,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "hour_entries_hours_check" CHECK ("hour_entries"."hours" >= 0.5 and "hour_entries"."hours" <= 24),
	CONSTRAINT "hour_entries_source_check" CHECK ("hour_entries"."source" in ('attendance', 'self')),
	CONSTRAINT "hour_entries_status_check" CHECK ("hour_entries"."status" in ('pending', 'confirmed', 'rejected'))
);
--> statement-breakpoint
CREATE TABLE "volunteer_books" (
	"code" text PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"period_from" date NOT NULL,
	"period_to" date NOT NULL,
	"total_hours" numeric(7, 1) NOT NULL,
	"entries" integer NOT NULL,
	"holder_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "club_meetings" (
	"id" serial PRIMARY KEY NOT NULL,
	"club_id" integer NOT NULL,
	"weekday" smallint NOT NULL,
	"start_minute" smallint NOT NULL,
	"place" text DEFAULT '' NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	CONSTRAINT "club_meetings_weekday_check" CHECK ("club_meetings"."weekday" between 1 and 7),
	CONSTRAINT "club_meetings_minute_check" CHECK ("club_meetings"."start_minute" between 0 and 1439)
);
--> statement-breakpoint
CREATE TABLE "club_members" (
	"club_id" integer NOT NULL,
	"user_id" bigint NOT NULL,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "club_members_club_id_user_id_pk" PRIMARY KEY("club_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "clubs" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"region_code" text,
	"address" text DEFAULT '' NOT NULL,
	"coordinator_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"chat_id" bigint NOT NULL,
	"kind" text DEFAULT 'message' NOT NULL,
	"payload" jsonb NOT NULL,
	"priority" smallint DEFAULT 1 NOT NULL,
	"not_before" timestamp with time zone DEFAULT now() NOT NULL,
	"idempotency_key" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"batch" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbox_idempotency_key_unique" UNIQUE("idempotency_key"),
	CONSTRAINT "outbox_state_check" CHECK ("outbox"."state" in ('pending', 'sending', 'sent', 'dead'))
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "paused_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "reminder_24h" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "reminder_2h" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "quiet_start_minute" smallint DEFAULT 1320 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "quiet_end_minute" smallint DEFAULT 480 NOT NULL;--> statement-breakpoint
ALTER TABLE "actions" ADD CONSTRAINT "actions_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "actions" ADD CONSTRAINT "actions_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "actions" ADD CONSTRAINT "actions_marathon_id_marathons_id_fk" FOREIGN KEY ("marathon_id") REFERENCES "public"."marathons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "actions" ADD CONSTRAINT "actions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "marathons" ADD CONSTRAINT "marathons_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participations" ADD CONSTRAINT "participations_action_id_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participations" ADD CONSTRAINT "participations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "marathon_deeds" ADD CONSTRAINT "marathon_deeds_marathon_id_marathons_id_fk" FOREIGN KEY ("marathon_id") REFERENCES "public"."marathons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "marathon_deeds" ADD CONSTRAINT "marathon_deeds_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "marathon_participants" ADD CONSTRAINT "marathon_participants_marathon_id_marathons_id_fk" FOREIGN KEY ("marathon_id") REFERENCES "public"."marathons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "marathon_participants" ADD CONSTRAINT "marathon_participants_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hour_entries" ADD CONSTRAINT "hour_entries_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hour_entries" ADD CONSTRAINT "hour_entries_action_id_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hour_entries" ADD CONSTRAINT "hour_entries_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_books" ADD CONSTRAINT "volunteer_books_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "club_meetings" ADD CONSTRAINT "club_meetings_club_id_clubs_id_fk" FOREIGN KEY ("club_id") REFERENCES "public"."clubs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "club_members" ADD CONSTRAINT "club_members_club_id_clubs_id_fk" FOREIGN KEY ("club_id") REFERENCES "public"."clubs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "club_members" ADD CONSTRAINT "club_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clubs" ADD CONSTRAINT "clubs_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clubs" ADD CONSTRAINT "clubs_coordinator_id_users_id_fk" FOREIGN KEY ("coordinator_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "actions_geo_idx" ON "actions" USING gist (ll_to_earth("latitude", "longitude"));--> statement-breakpoint
CREATE INDEX "actions_status_start_idx" ON "actions" USING btree ("status","starts_at");--> statement-breakpoint
CREATE INDEX "participations_user_idx" ON "participations" USING btree ("user_id","status");--> statement-breakpoint
CREATE INDEX "participations_waitlist_idx" ON "participations" USING btree ("action_id","status","queued_seq");--> statement-breakpoint
CREATE INDEX "marathon_deeds_marathon_user_idx" ON "marathon_deeds" USING btree ("marathon_id","user_id");--> statement-breakpoint
CREATE INDEX "hour_entries_user_idx" ON "hour_entries" USING btree ("user_id","activity_date");--> statement-breakpoint
CREATE UNIQUE INDEX "hour_entries_attendance_once" ON "hour_entries" USING btree ("action_id","user_id") WHERE "hour_entries"."source" = 'attendance';--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("priority","not_before","id") WHERE "outbox"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "outbox_sending_idx" ON "outbox" USING btree ("locked_until") WHERE "outbox"."state" = 'sending';--> statement-breakpoint
CREATE INDEX "outbox_batch_idx" ON "outbox" USING btree ("batch","state");