ALTER TABLE "songs" ADD COLUMN "edited_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "songs" ADD COLUMN "removed_at" timestamp with time zone;