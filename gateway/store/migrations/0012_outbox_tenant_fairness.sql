CREATE INDEX "outbox_tenant_due_idx" ON "outbox" USING btree ("tenant_id","next_attempt_at","id") WHERE "outbox"."published_at" is null and "outbox"."kind" = 'amqp';
