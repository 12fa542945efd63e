ALTER TABLE "shows" ADD COLUMN "room_jurisdiction" text;--> statement-breakpoint
ALTER TABLE "shows" ADD COLUMN "room_location_hint" text;--> statement-breakpoint
ALTER TABLE "shows" ADD COLUMN "room_placed_at" timestamp with time zone;--> statement-breakpoint
-- Rooms of existing shows are outside any jurisdiction (ROOM_JURISDICTIONS did not exist): keep them there.
UPDATE "shows" SET "room_placed_at" = now();
