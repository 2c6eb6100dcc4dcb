CREATE TABLE "callout_answers" (
	"callout_id" integer NOT NULL,
	"user_id" bigint NOT NULL,
	"answer" text NOT NULL,
	"answered_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "callout_answers_callout_id_user_id_pk" PRIMARY KEY("callout_id","user_id"),
	CONSTRAINT "callout_answers_answer_check" CHECK ("callout_answers"."answer" in ('coming', 'cant'))
);
--> statement-breakpoint
CREATE TABLE "callouts" (
	"id" serial PRIMARY KEY NOT NULL,
	"region_code" text,
	"center_latitude" double precision,
	"center_longitude" double precision,
	"radius_km" integer,
	"skills" text[] DEFAULT '{}'::text[] NOT NULL,
	"needed" integer NOT NULL,
	"meeting_latitude" double precision NOT NULL,
	"meeting_longitude" double precision NOT NULL,
	"meet_at" timestamp with time zone NOT NULL,
	"text" text NOT NULL,
	"final_text" text,
	"status" text DEFAULT 'open' NOT NULL,
	"created_by" bigint,
	"launch_key" text,
	"tally_chat_id" bigint,
	"tally_message_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "callouts_launch_key_unique" UNIQUE("launch_key"),
	CONSTRAINT "callouts_status_check" CHECK ("callouts"."status" in ('open', 'closed')),
	CONSTRAINT "callouts_target_check" CHECK ("callouts"."region_code" is not null or "callouts"."radius_km" is not null)
);
--> statement-breakpoint
CREATE TABLE "emergency_profiles" (
	"user_id" bigint PRIMARY KEY NOT NULL,
	"skills" text[] DEFAULT '{}'::text[] NOT NULL,
	"mobile_group" boolean DEFAULT false NOT NULL,
	"paused_at" timestamp with time zone,
	"phone" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "callout_answers" ADD CONSTRAINT "callout_answers_callout_id_callouts_id_fk" FOREIGN KEY ("callout_id") REFERENCES "public"."callouts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "callout_answers" ADD CONSTRAINT "callout_answers_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "callouts" ADD CONSTRAINT "callouts_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "emergency_profiles" ADD CONSTRAINT "emergency_profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "callout_answers_user_idx" ON "callout_answers" USING btree ("user_id");