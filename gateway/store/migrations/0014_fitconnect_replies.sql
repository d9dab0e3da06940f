CREATE TABLE "fitconnect_replies" (
	"message_id" text PRIMARY KEY NOT NULL,
	"delivery_id" uuid NOT NULL,
	"destination_id" text NOT NULL,
	"case_id" text NOT NULL,
	"reply_id" text,
	"attachment_ids" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"submitted_at" timestamp with time zone,
	"outcome" text,
	"outcome_jti" text,
	"problems" jsonb,
	"decided_at" timestamp with time zone,
	CONSTRAINT "fitconnect_replies_outcome_check" CHECK ("outcome" in ('accepted', 'rejected'))
);
--> statement-breakpoint
CREATE INDEX "fitconnect_replies_open_idx" ON "fitconnect_replies" USING btree ("destination_id") WHERE "submitted_at" is not null and "outcome" is null;
--> statement-breakpoint
ALTER TABLE "fitconnect_replies" ADD CONSTRAINT "fitconnect_replies_delivery_id_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."deliveries"("id") ON DELETE cascade ON UPDATE no action;
