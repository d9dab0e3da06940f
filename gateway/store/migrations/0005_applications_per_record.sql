-- A message with several records (e.g. three notices in one XGewerbeanzeige message) becomes
-- one application per record, all tied to the one delivery.
ALTER TABLE "applications" DROP CONSTRAINT "applications_delivery_id_unique";--> statement-breakpoint
CREATE INDEX "applications_delivery_idx" ON "applications" USING btree ("delivery_id");
