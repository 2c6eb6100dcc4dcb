ALTER TABLE "browse_states" ADD COLUMN "categories" text[];--> statement-breakpoint
ALTER TABLE "browse_states" ADD COLUMN "radius_km" smallint DEFAULT 50;--> statement-breakpoint
ALTER TABLE "browse_states" ADD COLUMN "awaiting_location_for" text;--> statement-breakpoint
UPDATE "browse_states" SET "categories" = ARRAY["category"] WHERE "category" IS NOT NULL;
