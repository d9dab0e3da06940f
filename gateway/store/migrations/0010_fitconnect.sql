CREATE TABLE "fitconnect_decisions" (
	"submission_id" text PRIMARY KEY NOT NULL,
	"destination_id" text NOT NULL,
	"case_id" text NOT NULL,
	"kind" text NOT NULL,
	"jti" text NOT NULL,
	"token" text NOT NULL,
	"delivery_id" uuid,
	"problems" jsonb,
	"decided_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "fitconnect_decisions_kind_check" CHECK ("kind" in ('accept', 'reject'))
);
--> statement-breakpoint
CREATE INDEX "fitconnect_decisions_unsent_idx" ON "fitconnect_decisions" USING btree ("destination_id") WHERE "sent_at" is null;
