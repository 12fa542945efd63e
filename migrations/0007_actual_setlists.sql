CREATE TYPE "public"."actual_setlist_state" AS ENUM('live', 'final');--> statement-breakpoint
CREATE TYPE "public"."played_song_source" AS ENUM('moderator', 'setlistfm');--> statement-breakpoint
CREATE TABLE "actual_setlists" (
	"show_id" uuid PRIMARY KEY NOT NULL,
	"state" "actual_setlist_state" DEFAULT 'live' NOT NULL,
	"source" "played_song_source" NOT NULL,
	"setlistfm_version" text,
	"finalized_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fan_scores" (
	"show_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"artist_id" uuid NOT NULL,
	"points" integer NOT NULL,
	"songs_hit" integer NOT NULL,
	"songs_voted" integer NOT NULL,
	"show_starts_at" timestamp with time zone NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "fan_scores_show_id_user_id_pk" PRIMARY KEY("show_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "played_songs" (
	"show_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"song_id" uuid,
	"title" text NOT NULL,
	"source" "played_song_source" NOT NULL,
	"marked_by" uuid,
	"played_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "played_songs_show_id_position_pk" PRIMARY KEY("show_id","position"),
	CONSTRAINT "played_songs_position_positive" CHECK ("played_songs"."position" > 0)
);
--> statement-breakpoint
CREATE TABLE "show_accuracy" (
	"show_id" uuid PRIMARY KEY NOT NULL,
	"top_n" integer NOT NULL,
	"precision" double precision NOT NULL,
	"recall" double precision NOT NULL,
	"position_bonus" double precision NOT NULL,
	"score" double precision NOT NULL,
	"details" jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "show_forecasts" (
	"show_id" uuid PRIMARY KEY NOT NULL,
	"predicted_votes" double precision NOT NULL,
	"predicted_votes_per_minute" double precision NOT NULL,
	"model_version" text NOT NULL,
	"features" jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "actual_setlists" ADD CONSTRAINT "actual_setlists_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fan_scores" ADD CONSTRAINT "fan_scores_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fan_scores" ADD CONSTRAINT "fan_scores_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "played_songs" ADD CONSTRAINT "played_songs_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "played_songs" ADD CONSTRAINT "played_songs_song_id_songs_id_fk" FOREIGN KEY ("song_id") REFERENCES "public"."songs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "played_songs" ADD CONSTRAINT "played_songs_marked_by_users_id_fk" FOREIGN KEY ("marked_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "show_accuracy" ADD CONSTRAINT "show_accuracy_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "show_forecasts" ADD CONSTRAINT "show_forecasts_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "fan_scores_starts_at_idx" ON "fan_scores" USING btree ("show_starts_at","user_id");--> statement-breakpoint
CREATE INDEX "fan_scores_artist_idx" ON "fan_scores" USING btree ("artist_id","user_id");--> statement-breakpoint
CREATE INDEX "fan_scores_user_idx" ON "fan_scores" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "played_songs_show_song_key" ON "played_songs" USING btree ("show_id","song_id");