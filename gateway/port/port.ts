import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import type { AdapterContext, Lookups, OwnTables, Timeline } from "../contract.ts";
import type { Runtime } from "../runtime.ts";
import { createMailbox } from "../mailbox/mailbox.ts";
import { createReplyBox } from "../mailbox/replies.ts";
import { portalEndpoints } from "../notify/endpoints.ts";
import type { Services } from "../services.ts";
import { deliveryControl } from "../status/control.ts";
import { findDeliveriesOf, findDeliveryMetadata } from "../intake/receipts.ts";
import { AdvisoryLease } from "../store/lease.ts";
import { storedRecords } from "./records.ts";

/** The config in force as adapters may read it; each call reads the runtime anew, so a reload reaches them. */
export function lookupsOf(runtime: () => Runtime): Lookups {
  return {
    portal: (id) => runtime().portals.byId(id),
    portalByToken: (token) => runtime().portals.byToken(token),
    portalByCertificate: (fingerprint) => runtime().portals.byCertificate(fingerprint),
    tenants: () => runtime().config.tenants,
    hasMapping: (id) => runtime().mappings.get(id) !== undefined,
    limits: () => runtime().config.gateway.limits,
    section: (kind) => runtime().config.gateway[kind],
  };
}

/**
 * The narrow port every adapter is built with: intake and the stored records it may serve,
 * the config in force, and a database handle for its own tables only (without the core's
 * schema, so the core's tables are not at hand through it).
 */
export function adapterPort(s: Services): AdapterContext {
  const records = storedRecords(s.store);
  const tables = drizzle(s.store.sql);
  const endpoints = portalEndpoints(s.store, s.clock);
  return {
    gateway: {
      intake: s.gateway.intake,
      status: s.gateway.status,
      deliveryMetadata: (portalId, sourceMessageId) => findDeliveryMetadata(s.store.db, portalId, sourceMessageId),
      deliveriesOf: (portalId, channel, opts) => findDeliveriesOf(s.store.db, portalId, channel, opts),
      originalDocument: records.originalDocument,
      attachment: records.attachment,
      statusDocument: records.statusDocument,
      control: deliveryControl(s.store, s.clock),
      mailbox: createMailbox(s.store, s.clock),
      replies: (channel) => createReplyBox(s.store, s.clock, channel),
      notificationEndpoint: { status: endpoints.status, enable: endpoints.enable },
    },
    lookups: lookupsOf(s.runtime),
    tables,
    transaction: (work) => tables.transaction((tx) => work({ tables: tx, timeline: timelineIn(tx) })),
    lease: (name) => new AdvisoryLease(s.store.sql, name),
    log: s.log,
    metrics: s.metrics,
    clock: s.clock,
    onReload: s.onReload,
    prepare: s.prepare,
    rateLimit: s.rateLimiter.take,
  };
}

/** Timeline entries written in the adapter's transaction. */
function timelineIn(tx: OwnTables): Timeline {
  return {
    async record(deliveryId, at, type, detail) {
      await tx.execute(
        sql`insert into events (delivery_id, at, type, detail) values (${deliveryId}, ${at.toISOString()}, ${type}, ${JSON.stringify(detail)}::jsonb)`,
      );
    },
  };
}
