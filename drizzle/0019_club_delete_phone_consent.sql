ALTER TABLE "club_coordinators" ADD COLUMN "phone_shared_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "clubs" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
-- Phones a front office shared when appointing were kept without the coordinator's consent: erased; each coordinator may share their own.
UPDATE "club_coordinators" SET "phone" = NULL;
