CREATE TABLE "chat_limits" (
	"chat_id" bigint PRIMARY KEY NOT NULL,
	"free_at" timestamp with time zone NOT NULL,
	"busy_until" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "reply_rates" (
	"instance" text PRIMARY KEY NOT NULL,
	"per_second" real NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "outbox_chat_pending_idx" ON "outbox" USING btree ("chat_id","id") WHERE "outbox"."state" = 'pending';