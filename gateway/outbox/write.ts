import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { PgTransaction } from "drizzle-orm/pg-core";
import type { HubConfig } from "../config/load.ts";
import type { Application } from "../mapping/canonical.ts";
import { routingKey } from "../publish/topology.ts";
import { applications, deliveries, events, outbox } from "../store/schema.ts";
import type { SubscriberConfig, TenantConfig } from "../config/schema.ts";
import { currentTraceparent } from "../tracing.ts";
import { applicationEvent } from "./cloudevent.ts";

// Any drizzle transaction over our schema; the concrete driver types do not matter here.
export type Tx = PgTransaction<any, any, any>;

/** One application of a delivery, with where it goes. */
export interface RoutedApplication {
  application: Application;
  tenant: TenantConfig;
  subscribers: SubscriberConfig[];
}

/** What mapping and routing made of a delivery: one application per record, or the reason it is parked. */
export type Interpretation =
  | { kind: "routed"; format: string; applications: RoutedApplication[] }
  | {
      kind: "parked";
      stage: "mapping" | "routing";
      format?: string;
      tenantId?: string;
      message: string;
      details?: unknown;
      /** The applicant's name when mapping got that far, for the operator who finds the delivery in the parked list. */
      applicant?: string;
    };

type DeliveryState = Partial<typeof deliveries.$inferInsert> & { state: string };

/** What an interpretation writes: the delivery's new state and the rows that go with it. */
export interface InterpretationRows {
  delivery: DeliveryState;
  applications: (typeof applications.$inferInsert)[];
  outbox: (typeof outbox.$inferInsert)[];
  events: (typeof events.$inferInsert)[];
}

/** The delivery as the rows refer to it; content type and hash describe the original bytes. */
export interface DeliveryRef {
  id: string;
  reference: string;
  receivedAt: Date;
  contentType?: string | null;
  sha256?: string | null;
}

/** Where a tenant's system fetches the original bytes of a delivery (adapters/rest/original.ts). */
export function originalHref(deliveryId: string): string {
  return `/api/v1/deliveries/${deliveryId}/document`;
}

/**
 * The rows for an interpretation: per application the application row and one outbox row per
 * subscriber, or the park reason, plus the timeline events. Intake and replay both write these,
 * so that a delivery reaches subscribers by exactly one path.
 */
export function interpretationRows(config: HubConfig, delivery: DeliveryRef, result: Interpretation, now: Date): InterpretationRows {
  if (result.kind === "parked") {
    return {
      delivery: {
        state: "parked",
        stateSince: now,
        format: result.format ?? null,
        tenantId: result.tenantId ?? null,
        parkReason: {
          stage: result.stage,
          message: result.message,
          ...(result.details ? { details: result.details } : {}),
          ...(result.applicant ? { applicant: result.applicant } : {}),
        },
      },
      applications: [],
      outbox: [],
      events: [{ deliveryId: delivery.id, at: now, type: "parked", detail: { stage: result.stage, message: result.message } }],
    };
  }
  const { format } = result;
  const rows: InterpretationRows = {
    delivery: { state: "routed", stateSince: now, format, tenantId: null, parkReason: null },
    applications: [],
    outbox: [],
    events: [],
  };
  const tenants = new Set(result.applications.map((r) => r.tenant.id));
  // A delivery belongs to a tenant only when all its records do: its attachments and original
  // bytes are then that tenant's to fetch, and nobody's when the records went to several.
  rows.delivery.tenantId = tenants.size === 1 ? [...tenants][0]! : null;
  const count = result.applications.length;
  // The trace the rows were written in: the relay continues it, maybe in another process.
  const traceparent = currentTraceparent();
  for (const [index, { application: mapped, tenant, subscribers }] of result.applications.entries()) {
    const applicationId = randomUUID();
    const application: Application = mapped.content
      ? {
          ...mapped,
          content: {
            ...mapped.content,
            original: {
              href: originalHref(delivery.id),
              ...(delivery.contentType ? { contentType: delivery.contentType } : {}),
              ...(delivery.sha256 ? { sha256: delivery.sha256 } : {}),
            },
          },
        }
      : mapped;
    const leikaKey = application.service.leikaKeys[0] ?? null;
    const event = applicationEvent({
      instance: config.gateway.instance,
      applicationId,
      deliveryId: delivery.id,
      reference: delivery.reference,
      tenantId: tenant.id,
      receivedAt: delivery.receivedAt,
      application,
      traceparent,
    });
    rows.applications.push({ id: applicationId, deliveryId: delivery.id, tenantId: tenant.id, format, leikaKey, body: application });
    for (const s of subscribers) {
      rows.outbox.push({
        messageId: `${applicationId}.${s.id}`,
        deliveryId: delivery.id,
        applicationId,
        tenantId: tenant.id,
        subscriberId: s.id,
        kind: s.kind,
        routingKey: routingKey(tenant.id, s.id),
        headers: {
          "x-ozg-tenant": tenant.id,
          "x-ozg-format": format,
          ...(leikaKey ? { "x-ozg-leika-key": leikaKey } : {}),
          ...(traceparent ? { traceparent } : {}),
        },
        payload: event,
        createdAt: now,
        nextAttemptAt: now,
      });
    }
    const record = count > 1 ? { record: index + 1, of: count } : {};
    rows.events.push({ deliveryId: delivery.id, at: now, type: "mapped", detail: { format, applicationId, ...record, warnings: application.warnings.length } });
    // The timeline names every canonical field the application lacks, so that an operator sees
    // what a subscriber will have to ask the applicant for.
    if (application.warnings.length > 0) {
      rows.events.push({ deliveryId: delivery.id, at: now, type: "warnings", detail: { applicationId, ...record, warnings: application.warnings } });
    }
    rows.events.push({
      deliveryId: delivery.id,
      at: now,
      type: "routed",
      detail: { applicationId, ...record, tenant: tenant.id, subscribers: subscribers.map((s) => s.id) },
    });
  }
  return rows;
}

/**
 * Inserts the rows that hang off an existing delivery row. They do not depend on each other,
 * so they are issued together and postgres.js pipelines them in one round trip.
 */
export async function insertInterpretationRows(tx: Tx, rows: InterpretationRows, extraEvents: (typeof events.$inferInsert)[] = []): Promise<void> {
  const evs = [...extraEvents, ...rows.events];
  await Promise.all([
    rows.applications.length > 0 ? tx.insert(applications).values(rows.applications) : undefined,
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
  delivery: DeliveryRef,
  result: Interpretation,
  now: Date,
): Promise<{ outboxRows: number }> {
  const rows = interpretationRows(config, delivery, result, now);
  await tx.update(deliveries).set(rows.delivery).where(eq(deliveries.id, delivery.id));
  await insertInterpretationRows(tx, rows);
  return { outboxRows: rows.outbox.length };
}
