ALTER TABLE "users" ADD COLUMN "full_name" text;--> statement-breakpoint
ALTER TABLE "volunteer_books" ADD COLUMN "printed_entries" jsonb;