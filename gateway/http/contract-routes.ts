import { Hono } from "hono";
import type { GatewayConfig } from "../config/schema.ts";
import { asyncApiDocument, brokerAddress, SAMPLE_BROKER } from "../events/asyncapi.ts";
import { EVENT_CONTRACTS, jsonSchemaOf, schemaFileName } from "../events/contracts.ts";
import { statusNames } from "../status/consumer.ts";
import { problem } from "./problem.ts";

/**
 * The event contract for subscribers, without credentials (it holds no data):
 * `GET /api/v1/schemas` (the list), `GET /api/v1/schemas/{file}` (one JSON Schema) and
 * `GET /api/v1/asyncapi.json` (exchanges, routing keys and queues with this deployment's names,
 * and the broker's host, port and virtual host from `amqpUrl`, without its credentials).
 */
export function contractRoutes(gateway: () => Pick<GatewayConfig, "instance" | "amqp" | "status">, amqpUrl?: () => string): Hono {
  const app = new Hono();
  const schemas = new Map(EVENT_CONTRACTS.map((c) => [schemaFileName(c), jsonSchemaOf(c)]));
  app.get("/api/v1/schemas", (c) =>
    c.json({ schemas: [...schemas.keys()].map((f) => ({ file: f, url: `/api/v1/schemas/${f}`, title: schemas.get(f)!.title })) }),
  );
  app.get("/api/v1/schemas/:file", (c) => {
    const schema = schemas.get(c.req.param("file"));
    if (!schema) return problem(c, { type: "not-found", title: "Not Found", status: 404, detail: "no such schema; see /api/v1/schemas" });
    return c.json(schema, 200, { "content-type": "application/schema+json" });
  });
  // The address subscribers use: the configured public one, else the one ozg-hub connects to.
  const broker = () => {
    const url = gateway().amqp.publicUrl ?? amqpUrl?.();
    return url ? brokerAddress(url) : SAMPLE_BROKER;
  };
  app.get("/api/v1/asyncapi.json", (c) => c.json(asyncApiDocument(gateway(), statusNames(gateway()), broker())));
  return app;
}
