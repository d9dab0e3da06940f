-- The transport's addressing (XTA Reader, OSCI Reader certificate's tenant), kept apart from the
-- protocol metadata so that a replay routes with exactly what intake routed with.
ALTER TABLE "deliveries" ADD COLUMN "recipient" jsonb;
