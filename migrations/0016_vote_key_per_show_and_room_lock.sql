-- A vote id is the idempotency key of a vote within its show (the room checks ids per show): the key becomes
-- (show_id, id), so the same id used in another show is a new vote instead of an insert Postgres refuses forever.
ALTER TABLE "votes" DROP CONSTRAINT "votes_pkey";--> statement-breakpoint
ALTER TABLE "votes" ADD CONSTRAINT "votes_show_id_id_pk" PRIMARY KEY("show_id","id");--> statement-breakpoint
-- The room's lock lives in Postgres too, so a room rebuilt from Postgres is still locked.
ALTER TABLE "shows" ADD COLUMN "locked" boolean DEFAULT false NOT NULL;
