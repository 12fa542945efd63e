DROP INDEX "artists_name_idx";--> statement-breakpoint
DROP INDEX "artists_popularity_idx";--> statement-breakpoint
CREATE INDEX "artists_genres_idx" ON "artists" USING gin ("genres");--> statement-breakpoint
CREATE INDEX "follows_created_at_idx" ON "follows" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "setlist_songs_created_at_idx" ON "setlist_songs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "shows_artist_status_starts_at_idx" ON "shows" USING btree ("artist_id","status","starts_at");--> statement-breakpoint
CREATE INDEX "shows_venue_status_starts_at_idx" ON "shows" USING btree ("venue_id","status","starts_at");--> statement-breakpoint
CREATE INDEX "venues_name_id_idx" ON "venues" USING btree ("name","id");--> statement-breakpoint
CREATE INDEX "votes_recent_active_idx" ON "votes" USING btree ("updated_at") WHERE "votes"."active";--> statement-breakpoint
CREATE INDEX "artists_name_idx" ON "artists" USING btree ("name","id");--> statement-breakpoint
CREATE INDEX "artists_popularity_idx" ON "artists" USING btree ("popularity" DESC NULLS LAST,"id" DESC NULLS LAST);