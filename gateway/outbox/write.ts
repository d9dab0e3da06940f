import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { PgTransaction } from "drizzle-orm/pg-core";
import type { HubConfig } from "../config/load.ts";
import type { Application } from "../mapping/canonical.ts";
import { routingKey } from "../publish/topology.ts";
import { applications, deliveries, events, outbox } from "../store/schema.ts";
import type { SubscriberConfig, TenantConfig } from "../config/schema.ts";
import { applicationEvent } from "./cloudevent.ts";

// Any drizzle transaction over our schema; the concrete driver types do not matter here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Tx = PgTransaction<any, any, any>;

/** What mapping and routing made of a delivery. */
export type Interpretation =
  | { kind: "routed"; format: string; application: Application; tenant: TenantConfig; subscribers: SubscriberConfig[] }
  | { kind: "parked"; stage: "mapping" | "routing"; format?: string; tenantId?: string; message: string; details?: unknown };

type DeliveryState = Partial<typeof deliveries.$inferInsert> & { state: string };

/** What an interpretation writes: the delivery's new state and the rows that go with it. */
export interface InterpretationRows {
  delivery: DeliveryState;
  application?: typeof applications.$inferInsert;
  outbox: (typeof outbox.$inferInsert)[];
  events: (typeof events.$inferInsert)[];
}

/**
 * The rows for an interpretation: the application and one outbox row per subscriber, or the
 * park reason, plus the timeline events. Intake and replay both write these, so that a delivery
 * reaches subscribers by exactly one path.
 */
export function interpretationRows(
  config: HubConfig,
  delivery: { id: string; reference: string; receivedAt: Date },
  result: Interpretation,
  now: Date,
): InterpretationRows {
  if (result.kind === "parked") {
    return {
      delivery: {
        state: "parked",
        stateSince: now,
        format: result.format ?? null,
        tenantId: result.tenantId ?? null,
        parkReason: { stage: result.stage, message: result.message, ...(result.details ? { details: result.details } : {}) },
      },
      outbox: [],
      events: [{ deliveryId: delivery.id, at: now, type: "parked", detail: { stage: result.stage, message: result.message } }],
    };
  }
  const applicationId = randomUUID();
  const { application, tenant, subscribers, format } = result;
  const leikaKey = application.service.leikaKeys[0] ?? null;
  const event = applicationEvent({
    instance: config.gateway.instance,
    applicationId,
    deliveryId: delivery.id,
    reference: delivery.reference,
    tenantId: tenant.id,
    receivedAt: delivery.receivedAt,
    application,
  });
  return {
    delivery: { state: "routed", stateSince: now, format, tenantId: tenant.id, parkReason: null },
    application: { id: applicationId, deliveryId: delivery.id, tenantId: tenant.id, format, leikaKey, body: application },
    outbox: subscribers.map((s) => ({
      messageId: `${applicationId}.${s.id}`,
      deliveryId: delivery.id,
      applicationId,
      tenantId: tenant.id,
      subscriberId: s.id,
      kind: s.kind,
      routingKey: routingKey(tenant.id, s.id),
      headers: { "x-ozg-tenant": tenant.id, "x-ozg-format": format, ...(leikaKey ? { "x-ozg-leika-key": leikaKey } : {}) },
      payload: event,
      createdAt: now,
      nextAttemptAt: now,
    })),
    events: [
      { deliveryId: delivery.id, at: now, type: "mapped", detail: { format, applicationId } },
      { deliveryId: delivery.id, at: now, type: "routed", detail: { tenant: tenant.id, subscribers: subscribers.map((s) => s.id) } },
    ],
  };
}

/**
 * Inserts the rows that hang off an existing delivery row. They do not depend on each other,
 * so they are issued together and postgres.js pipelines them in one round trip.
 */
export async function insertInterpretationRows(tx: Tx, rows: InterpretationRows, extraEvents: (typeof events.$inferInsert)[] = []): Promise<void> {
  const evs = [...extraEvents, ...rows.events];
  await Promise.all([
    rows.application ? tx.insert(applications).values(rows.application) : undefined,
    rows.outbox.length > 0 ? tx.insert(outbox).values(rows.outbox) : undefined,
    evs.length > 0 ? tx.insert(events).values(evs) : undefined,
  ]);
}

/**
 * Records an interpretation of a delivery that is already stored (replay): its new state, then
 * the application, outbox rows and events.
 */
export async function writeInterpretation(
  tx: Tx,
  config: HubConfig,
  delivery: { id: string; reference: string; receivedAt: Date },
  result: Interpretation,
  now: Date,
): Promise<{ outboxRows: number }> {
  const rows = interpretationRows(config, delivery, result, now);
  await tx.update(deliveries).set(rows.delivery).where(eq(deliveries.id, delivery.id));
  await insertInterpretationRows(tx, rows);
  return { outboxRows: rows.outbox.length };
}
