CREATE TABLE "fan_artist_period_totals" (
	"artist_id" uuid NOT NULL,
	"period" text NOT NULL,
	"period_start" date NOT NULL,
	"user_id" uuid NOT NULL,
	"points" integer NOT NULL,
	"shows" integer NOT NULL,
	"songs_hit" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "fan_artist_period_totals_artist_id_period_period_start_user_id_pk" PRIMARY KEY("artist_id","period","period_start","user_id")
);
--> statement-breakpoint
CREATE TABLE "fan_artist_totals" (
	"artist_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"points" integer NOT NULL,
	"shows" integer NOT NULL,
	"songs_hit" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "fan_artist_totals_artist_id_user_id_pk" PRIMARY KEY("artist_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "fan_artist_period_totals" ADD CONSTRAINT "fan_artist_period_totals_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fan_artist_totals" ADD CONSTRAINT "fan_artist_totals_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "fan_artist_period_totals_rank_idx" ON "fan_artist_period_totals" USING btree ("artist_id","period","period_start","points" DESC NULLS FIRST,"user_id");--> statement-breakpoint
CREATE INDEX "fan_artist_totals_rank_idx" ON "fan_artist_totals" USING btree ("artist_id","points" DESC NULLS FIRST,"user_id");--> statement-breakpoint
-- Filled from the scores already there, as rebuildLeaderboardRollups (src/shared/scoring/rollups.ts) does.
INSERT INTO "fan_artist_totals" ("artist_id", "user_id", "points", "shows", "songs_hit")
SELECT f.artist_id, f.user_id, sum(f.points)::int, count(*)::int, sum(f.songs_hit)::int
FROM "fan_scores" f
GROUP BY 1, 2;--> statement-breakpoint
INSERT INTO "fan_artist_period_totals" ("artist_id", "period", "period_start", "user_id", "points", "shows", "songs_hit")
SELECT f.artist_id, p.period, date_trunc(p.period, f.show_starts_at at time zone 'UTC')::date, f.user_id,
  sum(f.points)::int, count(*)::int, sum(f.songs_hit)::int
FROM "fan_scores" f CROSS JOIN (VALUES ('week'), ('month'), ('year')) AS p(period)
GROUP BY 1, 2, 3, 4;
