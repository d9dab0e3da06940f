ALTER TABLE "webhook_endpoints" RENAME TO "portal_endpoints";--> statement-breakpoint
ALTER TABLE "portal_endpoints" ADD COLUMN "channel" text DEFAULT 'webhook' NOT NULL;--> statement-breakpoint
ALTER TABLE "portal_endpoints" DROP CONSTRAINT "webhook_endpoints_pkey";--> statement-breakpoint
ALTER TABLE "portal_endpoints" ADD CONSTRAINT "portal_endpoints_pkey" PRIMARY KEY ("portal_id","channel");--> statement-breakpoint
DROP INDEX IF EXISTS "portal_notifications_due_idx";--> statement-breakpoint
CREATE INDEX "portal_notifications_due_idx" ON "portal_notifications" USING btree ("next_attempt_at","id") WHERE "portal_notifications"."state" = 'pending';
