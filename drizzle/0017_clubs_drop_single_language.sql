ALTER TABLE "clubs" DROP CONSTRAINT "clubs_coordinator_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "clubs" DROP COLUMN "name";--> statement-breakpoint
ALTER TABLE "clubs" DROP COLUMN "coordinator_id";--> statement-breakpoint
ALTER TABLE "clubs" ADD CONSTRAINT "clubs_name_check" CHECK (coalesce("clubs"."name_kk", "clubs"."name_ru") is not null);