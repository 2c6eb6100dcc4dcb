CREATE TABLE "club_answers" (
	"meeting_id" integer NOT NULL,
	"date" date NOT NULL,
	"user_id" bigint NOT NULL,
	"answer" text,
	"attended" boolean,
	"answered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"marked_by" bigint,
	CONSTRAINT "club_answers_meeting_id_date_user_id_pk" PRIMARY KEY("meeting_id","date","user_id"),
	CONSTRAINT "club_answers_answer_check" CHECK ("club_answers"."answer" in ('yes', 'no'))
);
--> statement-breakpoint
CREATE TABLE "club_coordinators" (
	"club_id" integer NOT NULL,
	"user_id" bigint NOT NULL,
	"phone" text,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "club_coordinators_club_id_user_id_pk" PRIMARY KEY("club_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "club_meeting_exceptions" (
	"meeting_id" integer NOT NULL,
	"date" date NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "club_meeting_exceptions_meeting_id_date_pk" PRIMARY KEY("meeting_id","date")
);
--> statement-breakpoint
ALTER TABLE "clubs" ALTER COLUMN "name" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "senior_mode" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "clubs" ADD COLUMN "name_kk" text;--> statement-breakpoint
ALTER TABLE "clubs" ADD COLUMN "name_ru" text;--> statement-breakpoint
ALTER TABLE "clubs" ADD COLUMN "latitude" double precision;--> statement-breakpoint
ALTER TABLE "clubs" ADD COLUMN "longitude" double precision;--> statement-breakpoint
ALTER TABLE "clubs" ADD COLUMN "invite_token" text;--> statement-breakpoint
ALTER TABLE "clubs" ADD COLUMN "join_code" text;--> statement-breakpoint
ALTER TABLE "club_answers" ADD CONSTRAINT "club_answers_meeting_id_club_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."club_meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "club_answers" ADD CONSTRAINT "club_answers_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "club_coordinators" ADD CONSTRAINT "club_coordinators_club_id_clubs_id_fk" FOREIGN KEY ("club_id") REFERENCES "public"."clubs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "club_coordinators" ADD CONSTRAINT "club_coordinators_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "club_meeting_exceptions" ADD CONSTRAINT "club_meeting_exceptions_meeting_id_club_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."club_meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clubs" ADD CONSTRAINT "clubs_invite_token_unique" UNIQUE("invite_token");--> statement-breakpoint
ALTER TABLE "clubs" ADD CONSTRAINT "clubs_join_code_unique" UNIQUE("join_code");--> statement-breakpoint
-- Existing clubs keep their name in the language it is written in (Kazakh letters → Kazakh) and their coordinator.
UPDATE "clubs" SET
  "name_kk" = CASE WHEN "name" ~* '[әғқңөұүһі]' THEN "name" END,
  "name_ru" = CASE WHEN "name" ~* '[әғқңөұүһі]' THEN NULL ELSE "name" END;--> statement-breakpoint
INSERT INTO "club_coordinators" ("club_id", "user_id")
  SELECT "id", "coordinator_id" FROM "clubs" WHERE "coordinator_id" IS NOT NULL ON CONFLICT DO NOTHING;
