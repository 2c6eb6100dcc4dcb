ALTER TABLE "outbox" ADD COLUMN "about_user_id" bigint;--> statement-breakpoint
CREATE INDEX "outbox_about_idx" ON "outbox" USING btree ("about_user_id") WHERE "outbox"."about_user_id" is not null;