-- The outbox payload as json rather than jsonb: every reader takes it as text (the relay
-- publishes it as stored), and jsonb cost Postgres a parse into its binary form at intake and
-- a conversion back to text for every publish. Rewrites the outbox table once.
ALTER TABLE "outbox" ALTER COLUMN "payload" TYPE json USING "payload"::json;
--> statement-breakpoint
-- The large values intake writes for every delivery (document, application body, outbox
-- payload, attachment chunks) are compressed with lz4 rather than pglz when they are stored
-- out of line: pglz's compression was the largest single cost of Postgres per delivery. Only
-- the catalog changes (no rewrite); values already stored keep their compression. Where the
-- server is built without lz4 (or predates column compression) the default stays.
DO $$
BEGIN
  ALTER TABLE "deliveries" ALTER COLUMN "document" SET COMPRESSION lz4;
  ALTER TABLE "applications" ALTER COLUMN "body" SET COMPRESSION lz4;
  ALTER TABLE "outbox" ALTER COLUMN "payload" SET COMPRESSION lz4;
  ALTER TABLE "attachment_chunks" ALTER COLUMN "data" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
  RAISE NOTICE 'lz4 compression not available, keeping the default';
END $$;
