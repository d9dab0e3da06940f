CREATE TABLE "osci_challenges" (
	"signer" text NOT NULL,
	"challenge" text NOT NULL,
	"seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "osci_challenges_signer_challenge_pk" PRIMARY KEY("signer","challenge")
);
--> statement-breakpoint
CREATE TABLE "osci_dialogs" (
	"conversation_id" text PRIMARY KEY NOT NULL,
	"signer" text NOT NULL,
	"cipher_cert" text,
	"challenge" text NOT NULL,
	"sequence" integer NOT NULL,
	"touched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "osci_challenges_seen_idx" ON "osci_challenges" USING btree ("seen_at");--> statement-breakpoint
CREATE INDEX "osci_dialogs_touched_idx" ON "osci_dialogs" USING btree ("touched_at");