ALTER TABLE "users" ADD COLUMN "command_menu" text;--> statement-breakpoint
CREATE INDEX "users_command_menu_idx" ON "users" USING btree ("id") WHERE "users"."command_menu" is not null;