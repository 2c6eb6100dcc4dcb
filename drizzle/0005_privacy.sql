CREATE TABLE "anonymous_hours" (
	"month" text NOT NULL,
	"region_code" text DEFAULT '' NOT NULL,
	"category" text DEFAULT '' NOT NULL,
	"hours" numeric(9, 1) NOT NULL,
	"entries" integer NOT NULL,
	CONSTRAINT "anonymous_hours_month_region_code_category_pk" PRIMARY KEY("month","region_code","category")
);
--> statement-breakpoint
ALTER TABLE "marathon_deeds" DROP CONSTRAINT "marathon_deeds_text_check";--> statement-breakpoint
ALTER TABLE "marathon_deeds" ALTER COLUMN "text" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "volunteer_books" ALTER COLUMN "user_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "volunteer_books" ALTER COLUMN "holder_name" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "volunteer_books" ADD COLUMN "entries_hash" text;--> statement-breakpoint
ALTER TABLE "volunteer_books" ADD COLUMN "revoked_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "volunteer_books_user_idx" ON "volunteer_books" USING btree ("user_id","period_from","period_to");--> statement-breakpoint
ALTER TABLE "marathon_deeds" ADD CONSTRAINT "marathon_deeds_text_check" CHECK ("marathon_deeds"."text" is null or char_length("marathon_deeds"."text") between 1 and 1000);