-- The list's radius box and period window in one GiST scan needs btree_gist for the timestamp column.
CREATE EXTENSION IF NOT EXISTS btree_gist;
--> statement-breakpoint
ALTER TABLE "browse_states" ADD COLUMN "categories" text[];--> statement-breakpoint
ALTER TABLE "browse_states" ADD COLUMN "radius_km" smallint DEFAULT 50;--> statement-breakpoint
ALTER TABLE "browse_states" ADD COLUMN "awaiting_location_for" text;--> statement-breakpoint
CREATE INDEX "actions_published_geo_start_idx" ON "actions" USING gist (ll_to_earth("latitude", "longitude"),"starts_at") WHERE "actions"."status" = 'published';
--> statement-breakpoint
UPDATE "browse_states" SET "categories" = ARRAY["category"] WHERE "category" IS NOT NULL;
