ALTER TABLE "actions" DROP COLUMN "title";--> statement-breakpoint
ALTER TABLE "actions" DROP COLUMN "description";--> statement-breakpoint
ALTER TABLE "actions" DROP COLUMN "address";--> statement-breakpoint
ALTER TABLE "organizations" DROP COLUMN "name";