CREATE TABLE "coordinator_invites" (
	"token" text PRIMARY KEY NOT NULL,
	"region_code" text NOT NULL,
	"created_by" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_by" bigint,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "coordinator_invites" ADD CONSTRAINT "coordinator_invites_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "coordinator_invites_created_by_idx" ON "coordinator_invites" USING btree ("created_by");