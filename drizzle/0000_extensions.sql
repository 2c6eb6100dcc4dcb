-- The nearby search ranks actions with ll_to_earth(lat, lon) under a GiST index (cube + earthdistance).
CREATE EXTENSION IF NOT EXISTS cube;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS earthdistance;
