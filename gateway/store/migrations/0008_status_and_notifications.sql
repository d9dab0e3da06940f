CREATE TABLE "status_reports" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"subscriber_id" text NOT NULL,
	"source" text NOT NULL,
	"event_id" text NOT NULL,
	"application_id" uuid NOT NULL,
	"delivery_id" uuid NOT NULL,
	"status" text NOT NULL,
	"data" jsonb NOT NULL,
	"document" bytea,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "portal_notifications" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"delivery_id" uuid NOT NULL,
	"status_report_id" uuid NOT NULL,
	"portal_id" text NOT NULL,
	"channel" text NOT NULL,
	"state" text NOT NULL,
	"reason" text,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "portal_notifications_message_id_unique" UNIQUE("message_id")
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"portal_id" text PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"last_error" text,
	"last_success_at" timestamp with time zone,
	"disabled_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "status_reports" ADD CONSTRAINT "status_reports_delivery_id_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."deliveries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portal_notifications" ADD CONSTRAINT "portal_notifications_delivery_id_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."deliveries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portal_notifications" ADD CONSTRAINT "portal_notifications_status_report_id_status_reports_id_fk" FOREIGN KEY ("status_report_id") REFERENCES "public"."status_reports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "status_reports_event_uq" ON "status_reports" USING btree ("tenant_id","source","event_id");--> statement-breakpoint
CREATE INDEX "status_reports_delivery_idx" ON "status_reports" USING btree ("delivery_id","received_at");--> statement-breakpoint
CREATE INDEX "portal_notifications_due_idx" ON "portal_notifications" USING btree ("next_attempt_at","id") WHERE "portal_notifications"."state" = 'pending' and "portal_notifications"."channel" = 'webhook';--> statement-breakpoint
CREATE INDEX "portal_notifications_delivery_idx" ON "portal_notifications" USING btree ("delivery_id");
