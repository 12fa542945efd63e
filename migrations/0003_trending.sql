CREATE TYPE "public"."trending_entity" AS ENUM('show', 'artist');--> statement-breakpoint
CREATE TABLE "trending_scores" (
	"entity_type" "trending_entity" NOT NULL,
	"entity_id" uuid NOT NULL,
	"score" double precision NOT NULL,
	"components" jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trending_scores_entity_type_entity_id_pk" PRIMARY KEY("entity_type","entity_id")
);
--> statement-breakpoint
CREATE INDEX "trending_scores_rank_idx" ON "trending_scores" USING btree ("entity_type","score" DESC NULLS LAST);