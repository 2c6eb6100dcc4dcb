CREATE TABLE "browse_states" (
	"user_id" bigint PRIMARY KEY NOT NULL,
	"latitude" double precision,
	"longitude" double precision,
	"origin_at" timestamp with time zone,
	"category" text,
	"period" text DEFAULT 'all' NOT NULL,
	"page" integer DEFAULT 0 NOT NULL,
	"awaiting_location_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "browse_states" ADD CONSTRAINT "browse_states_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;