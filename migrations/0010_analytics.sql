CREATE TABLE "analytics_rollup_daily" (
	"day" date NOT NULL,
	"kind" text NOT NULL,
	"show_id" uuid NOT NULL,
	"events" integer NOT NULL,
	"users" integer NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analytics_rollup_daily_day_kind_show_id_pk" PRIMARY KEY("day","kind","show_id")
);
--> statement-breakpoint
CREATE TABLE "analytics_rollup_hourly" (
	"bucket" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"show_id" uuid NOT NULL,
	"events" integer NOT NULL,
	"users" integer NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analytics_rollup_hourly_bucket_kind_show_id_pk" PRIMARY KEY("bucket","kind","show_id")
);
--> statement-breakpoint
CREATE TABLE "queue_lag" (
	"minute" timestamp with time zone NOT NULL,
	"queue" text NOT NULL,
	"messages" integer NOT NULL,
	"lag_sum_ms" bigint NOT NULL,
	"lag_max_ms" integer NOT NULL,
	CONSTRAINT "queue_lag_minute_queue_pk" PRIMARY KEY("minute","queue")
);
--> statement-breakpoint
CREATE TABLE "request_metrics" (
	"minute" timestamp with time zone NOT NULL,
	"route" text NOT NULL,
	"requests" integer NOT NULL,
	"client_errors" integer NOT NULL,
	"server_errors" integer NOT NULL,
	"latency_buckets" integer[] NOT NULL,
	"latency_sum_ms" double precision NOT NULL,
	CONSTRAINT "request_metrics_minute_route_pk" PRIMARY KEY("minute","route")
);
--> statement-breakpoint
CREATE TABLE "room_presence" (
	"show_id" uuid PRIMARY KEY NOT NULL,
	"sockets" integer NOT NULL,
	"reported_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vote_anomalies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"show_id" uuid NOT NULL,
	"rule" text NOT NULL,
	"subject" text NOT NULL,
	"window_bucket" timestamp with time zone NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"evidence" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"vote_ids" uuid[] NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"detected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reviewed_by" uuid,
	"reviewed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "vote_discounts" (
	"vote_id" uuid PRIMARY KEY NOT NULL,
	"anomaly_id" uuid NOT NULL,
	"show_id" uuid NOT NULL,
	"discounted_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
/* 
    Unfortunately in current drizzle-kit version we can't automatically get name for primary key.
    We are working on making it available!

    Meanwhile you can:
        1. Check pk name in your database, by running
            SELECT constraint_name FROM information_schema.table_constraints
            WHERE table_schema = 'public'
                AND table_name = 'analytics_events'
                AND constraint_type = 'PRIMARY KEY';
        2. Uncomment code below and paste pk name manually
        
    Hope to release this update as soon as possible
*/

ALTER TABLE "analytics_events" DROP CONSTRAINT "analytics_events_pkey";--> statement-breakpoint
ALTER TABLE "analytics_events" ADD CONSTRAINT "analytics_events_event_id_at_pk" PRIMARY KEY("event_id","at");--> statement-breakpoint
ALTER TABLE "vote_anomalies" ADD CONSTRAINT "vote_anomalies_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vote_anomalies" ADD CONSTRAINT "vote_anomalies_reviewed_by_users_id_fk" FOREIGN KEY ("reviewed_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vote_discounts" ADD CONSTRAINT "vote_discounts_anomaly_id_vote_anomalies_id_fk" FOREIGN KEY ("anomaly_id") REFERENCES "public"."vote_anomalies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vote_discounts" ADD CONSTRAINT "vote_discounts_discounted_by_users_id_fk" FOREIGN KEY ("discounted_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "room_presence_reported_at_idx" ON "room_presence" USING btree ("reported_at");--> statement-breakpoint
CREATE UNIQUE INDEX "vote_anomalies_window_key" ON "vote_anomalies" USING btree ("show_id","rule","subject","window_bucket");--> statement-breakpoint
CREATE INDEX "vote_anomalies_status_detected_idx" ON "vote_anomalies" USING btree ("status","detected_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "vote_discounts_anomaly_idx" ON "vote_discounts" USING btree ("anomaly_id");--> statement-breakpoint
CREATE INDEX "vote_discounts_show_idx" ON "vote_discounts" USING btree ("show_id");