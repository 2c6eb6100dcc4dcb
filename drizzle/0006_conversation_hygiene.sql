ALTER TABLE "marathon_deeds" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "hour_entries" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
CREATE INDEX "conversation_states_updated_idx" ON "conversation_states" USING btree ("updated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "marathon_deeds_idempotency_key" ON "marathon_deeds" USING btree ("idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "hour_entries_idempotency_key" ON "hour_entries" USING btree ("idempotency_key");