-- analytics_events becomes a table partitioned by month on "at" (docs/analytics.md, "Partitions").
-- drizzle-kit cannot express partitioning, so this is hand-written; the columns, primary key and index are the
-- ones schema.ts declares, so drizzle's view of the table stays true.
-- Monthly partitions are named analytics_events_pYYYY_MM; the DEFAULT partition catches an event whose month has
-- no partition yet (never lose an event), and the partition cron (workers/api/src/analytics/partitions.ts) moves
-- such rows into the month's partition when it creates it.
ALTER TABLE "analytics_events" RENAME TO "analytics_events_unpartitioned";--> statement-breakpoint
ALTER TABLE "analytics_events_unpartitioned" RENAME CONSTRAINT "analytics_events_event_id_at_pk" TO "analytics_events_unpartitioned_pk";--> statement-breakpoint
ALTER INDEX "analytics_events_kind_at_idx" RENAME TO "analytics_events_unpartitioned_kind_at_idx";--> statement-breakpoint
CREATE TABLE "analytics_events" (
	"event_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"user_id" uuid,
	"show_id" uuid,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "analytics_events_event_id_at_pk" PRIMARY KEY("event_id","at")
) PARTITION BY RANGE ("at");--> statement-breakpoint
CREATE INDEX "analytics_events_kind_at_idx" ON "analytics_events" USING btree ("kind","at");--> statement-breakpoint
CREATE TABLE "analytics_events_default" PARTITION OF "analytics_events" DEFAULT;--> statement-breakpoint
DO $$
DECLARE
  first_month timestamptz := date_trunc('month', least(now(), coalesce((SELECT min("at") FROM "analytics_events_unpartitioned"), now())) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  last_month timestamptz := date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '2 months';
  m timestamptz := first_month;
BEGIN
  WHILE m <= last_month LOOP
    EXECUTE format(
      'CREATE TABLE IF NOT EXISTS %I PARTITION OF "analytics_events" FOR VALUES FROM (%L) TO (%L)',
      'analytics_events_p' || to_char(m AT TIME ZONE 'UTC', 'YYYY_MM'), m, m + interval '1 month'
    );
    m := m + interval '1 month';
  END LOOP;
END $$;--> statement-breakpoint
INSERT INTO "analytics_events" ("event_id", "kind", "at", "user_id", "show_id", "data")
SELECT "event_id", "kind", "at", "user_id", "show_id", "data" FROM "analytics_events_unpartitioned";--> statement-breakpoint
DROP TABLE "analytics_events_unpartitioned";
