import { z } from "zod";
import { APPLICATION_EVENT_TYPE } from "../outbox/cloudevent.ts";
import { applicationEventSchema } from "./application-event.ts";
import { withTitles } from "./titles.ts";
import { PORTAL_STATUS_EVENT_TYPE, STATUS_EVENT_TYPE, portalStatusEventSchema, statusEventSchema } from "./status-event.ts";

/** One message type of the event contract: its CloudEvents `type` and the zod schema it is generated from. */
export interface EventContract {
  /** File stem under schemas/: `<name>.v<version>.schema.json`. */
  name: string;
  type: string;
  schema: z.ZodType;
  /** The title of the event's `data` object, the name generated code gives it. */
  dataTitle: string;
}

/** Every message type ozg-hub publishes or accepts. The version is the `.vN` suffix of `type`. */
export const EVENT_CONTRACTS: readonly EventContract[] = [
  { name: "application-event", type: APPLICATION_EVENT_TYPE, schema: applicationEventSchema, dataTitle: "Application" },
  { name: "status-event", type: STATUS_EVENT_TYPE, schema: statusEventSchema, dataTitle: "StatusReport" },
  { name: "portal-status-event", type: PORTAL_STATUS_EVENT_TYPE, schema: portalStatusEventSchema, dataTitle: "PortalStatus" },
];

export function versionOf(type: string): number {
  const m = /\.v(\d+)$/.exec(type);
  if (!m) throw new Error(`event type ${type} does not end in a version (.v1)`);
  return Number(m[1]);
}

export function schemaFileName(c: EventContract): string {
  return `${c.name}.v${versionOf(c.type)}.schema.json`;
}

/**
 * The JSON Schema (draft 2020-12) of a contract, as consumers validate with it. Objects are
 * left open (no `additionalProperties: false`) although ozg-hub itself is strict: within a
 * version fields may be added, and a consumer validating with an older file must accept them.
 */
export function jsonSchemaOf(c: EventContract): Record<string, unknown> {
  const schema = z.toJSONSchema(c.schema, {
    target: "draft-2020-12",
    io: "output",
    unrepresentable: "any",
    override: (ctx) => {
      const s = ctx.jsonSchema as Record<string, unknown>;
      if (s.additionalProperties === false) delete s.additionalProperties;
    },
  }) as Record<string, unknown>;
  return { $id: `urn:ozg-hub:schema:${schemaFileName(c)}`, title: c.type, ...withTitles(schema, c.dataTitle) };
}

/** Stable text of a schema file (2-space JSON, trailing newline), so that regeneration is byte-stable. */
export function schemaText(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
