CREATE TABLE "artist_similarity" (
	"artist_id" uuid NOT NULL,
	"similar_artist_id" uuid NOT NULL,
	"rank" integer NOT NULL,
	"score" double precision NOT NULL,
	"fan_score" double precision NOT NULL,
	"genre_score" double precision NOT NULL,
	"shared_fans" integer NOT NULL,
	"shared_genres" text[] NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "artist_similarity_artist_id_similar_artist_id_pk" PRIMARY KEY("artist_id","similar_artist_id"),
	CONSTRAINT "artist_similarity_not_self" CHECK ("artist_similarity"."artist_id" <> "artist_similarity"."similar_artist_id")
);
--> statement-breakpoint
ALTER TABLE "artist_similarity" ADD CONSTRAINT "artist_similarity_artist_id_artists_id_fk" FOREIGN KEY ("artist_id") REFERENCES "public"."artists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "artist_similarity" ADD CONSTRAINT "artist_similarity_similar_artist_id_artists_id_fk" FOREIGN KEY ("similar_artist_id") REFERENCES "public"."artists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "artist_similarity_rank_idx" ON "artist_similarity" USING btree ("artist_id","rank");