import { readFile } from "node:fs/promises";
import path from "node:path";
import { Parser as AsyncApiParser } from "@asyncapi/parser";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { gatewaySchema } from "../config/schema.ts";
import { contractRoutes } from "../http/contract-routes.ts";
import { applicationSchema } from "../mapping/canonical.ts";
import { applicationEvent } from "../outbox/cloudevent.ts";
import { applicationEventSchema } from "./application-event.ts";
import { incompatibilities } from "./compat.ts";
import { jsonSchemaOf } from "./contracts.ts";
import { checkContracts, SCHEMAS_DIR } from "./files.ts";

const REPO = path.resolve(SCHEMAS_DIR, "..");
const committed = async (file: string) => JSON.parse(await readFile(path.join(SCHEMAS_DIR, file), "utf8")) as Record<string, unknown>;
const schemaOf = (schema: z.ZodType) =>
  jsonSchemaOf({ name: "application-event", type: "de.ozghub.application.received.v1", schema, dataTitle: "Application" });

/** The AsyncAPI document /api/v1/asyncapi.json serves for a gateway config and the broker URL it uses. */
async function servedAsyncApi(gw: ReturnType<typeof gatewaySchema.parse>, brokerUrl: string): Promise<any> {
  return JSON.parse(
    await (
      await contractRoutes(
        () => gw,
        () => brokerUrl,
      ).request("/api/v1/asyncapi.json")
    ).text(),
  );
}

/** An independent validator (Ajv, JSON Schema 2020-12), as a consumer would use the published files. */
function validator(schema: Record<string, unknown>) {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

async function sampleEvent() {
  const app = applicationSchema.parse(JSON.parse(await readFile(path.join(REPO, "mappings/canonical/fixtures/gewerbe-kiel.expected.json"), "utf8")));
  return applicationEvent({
    instance: "ozg-hub-test",
    applicationId: "3f0c1d6e-8a51-4d8e-9a43-0b1f3c2d4e5f",
    deliveryId: "9b2e7c10-3d4f-4a5b-8c6d-7e8f9a0b1c2d",
    reference: "7KQ2-M9XD",
    tenantId: "kiel",
    receivedAt: new Date("2026-12-01T10:00:00Z"),
    application: app,
  });
}

describe("the event contract", () => {
  it("committed schemas/ equals what `npm run schemas` generates (else: run it and commit)", async () => {
    const check = await checkContracts();
    expect(check.stale, "schemas/ is out of date: run npm run schemas").toEqual([]);
  });

  it("the generated schemas are compatible with the committed ones of the same version", async () => {
    const check = await checkContracts();
    expect(check.incompatible, "incompatible change within a version: give the event type a new .vN").toEqual({});
  });

  it("an event as the relay builds it is valid under the zod definition and under the published JSON Schema", async () => {
    const event = await sampleEvent();
    expect(applicationEventSchema.safeParse(event).success).toBe(true);
    const validate = validator(await committed("application-event.v1.schema.json"));
    expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
    // a field added later within v1 must not break a consumer validating with this file
    expect(validate({ ...event, ozgnewattribute: "x", data: { ...event.data, warnings: [] } })).toBe(true);
    // and it does catch a broken event
    const { subject: _s, ...withoutSubject } = event;
    expect(validate(withoutSubject)).toBe(false);
  });

  it("a status event in the documented shape validates under the published status schema", async () => {
    const validate = validator(await committed("status-event.v1.schema.json"));
    const base = { specversion: "1.0", id: "evt-1", source: "urn:fachverfahren:kiel", type: "de.ozghub.application.status.v1" };
    const applicationId = "3f0c1d6e-8a51-4d8e-9a43-0b1f3c2d4e5f";
    expect(validate({ ...base, data: { status: "received", applicationId } })).toBe(true);
    expect(
      validate({ ...base, data: { status: "decided", applicationId, document: { name: "b.pdf", contentType: "application/pdf", content: "JVBERi0=" } } }),
    ).toBe(true);
    expect(validate({ ...base, data: { status: "needs-information", applicationId } })).toBe(false); // question missing
    expect(validate({ ...base, data: { status: "rejected", applicationId } })).toBe(false); // reason missing
  });

  describe("the compatibility check", () => {
    const base = schemaOf(applicationEventSchema);
    it("accepts the same schema, a new optional field and new documentation", () => {
      expect(incompatibilities(base, base)).toEqual([]);
      expect(incompatibilities(base, schemaOf(applicationEventSchema.extend({ ozgpriority: z.string().optional() })))).toEqual([]);
      expect(incompatibilities(base, schemaOf(applicationEventSchema.extend({ subject: z.string().describe("other words") })))).toEqual([]);
    });
    it("refuses a removed or renamed field", () => {
      const renamed = schemaOf(applicationEventSchema.omit({ subject: true }).extend({ reference: z.string() }));
      expect(incompatibilities(base, renamed)).toEqual(
        expect.arrayContaining([
          { path: "/subject", change: "field removed or renamed" },
          { path: "/reference", change: "new required field" },
        ]),
      );
    });
    it("refuses a retyped field, deep inside the application too", () => {
      expect(incompatibilities(base, schemaOf(applicationEventSchema.extend({ subject: z.number() })))).toEqual([
        { path: "/subject", change: "type string became number" },
      ]);
      const data = applicationSchema.extend({ id: z.string(), submittedAt: z.number().optional() });
      expect(incompatibilities(base, schemaOf(applicationEventSchema.extend({ data })))).toEqual(
        expect.arrayContaining([{ path: "/data/submittedAt", change: "type string became number" }]),
      );
    });
    it("refuses a new required field and an optional one made required", () => {
      expect(incompatibilities(base, schemaOf(applicationEventSchema.extend({ ozgpriority: z.string() })))).toEqual([
        { path: "/ozgpriority", change: "new required field" },
      ]);
      expect(incompatibilities(base, schemaOf(applicationEventSchema.extend({ ozgleikakey: z.string() })))).toEqual([
        { path: "/ozgleikakey", change: "optional field became required" },
      ]);
    });
    it("refuses a changed constant (the type) and a new enum value", () => {
      const v2 = schemaOf(applicationEventSchema.extend({ type: z.literal("de.ozghub.application.received.v2") }));
      expect(incompatibilities(base, v2)).toEqual([
        { path: "/type", change: 'constant "de.ozghub.application.received.v1" became "de.ozghub.application.received.v2"' },
      ]);
      const kinds = applicationSchema.shape.applicant
        .unwrap()
        .extend({ kind: z.enum(["person", "organisation", "authority"]).optional() })
        .optional();
      const data = applicationSchema.extend({ id: z.string(), applicant: kinds });
      expect(incompatibilities(base, schemaOf(applicationEventSchema.extend({ data })))).toEqual([
        { path: "/data/applicant/kind", change: 'enum gained "authority"' },
      ]);
    });
  });

  it("the AsyncAPI document is valid AsyncAPI 3.0 for the reference parser, committed and as served", async () => {
    const gw = gatewaySchema.parse({ status: { exchange: "x.status" } });
    const served = await (await contractRoutes(() => gw).request("/api/v1/asyncapi.json")).text();
    for (const text of [await readFile(path.join(SCHEMAS_DIR, "asyncapi.json"), "utf8"), served]) {
      const { document, diagnostics } = await new AsyncApiParser().parse(text);
      expect(diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join("/")}: ${d.message}`)).toEqual([]);
      expect(document?.version()).toBe("3.0.0");
      expect(
        document
          ?.channels()
          .all()
          .map((c) => c.id()),
      ).toEqual(["applications", "subscriberQueue", "status", "statusDeadLetters", "statusRejections"]);
      expect(
        document
          ?.operations()
          .all()
          .map((o) => [o.id(), o.action()]),
      ).toEqual([
        ["consumeApplications", "receive"],
        ["reportStatus", "send"],
        ["receiveStatusRejections", "receive"],
      ]);
    }
  });

  it("serves the schemas and the AsyncAPI document with the deployment's names", async () => {
    const gw = gatewaySchema.parse({
      amqp: { exchange: "x.apps", deadLetterExchange: "x.dl", queuePrefix: "x", confirmTimeoutMs: 1000 },
      status: { exchange: "x.status" },
    });
    const app = contractRoutes(() => gw);
    const list = (await (await app.request("/api/v1/schemas")).json()) as { schemas: { file: string }[] };
    expect(list.schemas.map((s) => s.file)).toEqual(["application-event.v1.schema.json", "status-event.v1.schema.json", "portal-status-event.v1.schema.json"]);
    const res = await app.request("/api/v1/schemas/application-event.v1.schema.json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(await committed("application-event.v1.schema.json"));
    expect((await app.request("/api/v1/schemas/..%2Fpackage.json")).status).toBe(404);
    const doc = (await (await app.request("/api/v1/asyncapi.json")).json()) as Record<string, any>;
    expect(doc.asyncapi).toBe("3.0.0");
    expect(doc.channels.applications.bindings.amqp.exchange.name).toBe("x.apps");
    expect(doc.channels.status.bindings.amqp.exchange.name).toBe("x.status");
    expect(doc.channels.statusDeadLetters.address).toBe("x.status.dlq");
    expect(doc.components.messages.applicationEvent.payload.schema.properties.type.const).toBe("de.ozghub.application.received.v1");
  });

  it("names the broker this deployment uses — host, port and virtual host, never its credentials", async () => {
    const gw = gatewaySchema.parse({});
    const app = contractRoutes(
      () => gw,
      () => "amqps://hubuser:s3cr%2Fet@mq.kommune.example:5671/ozg%2Fprod",
    );
    const text = await (await app.request("/api/v1/asyncapi.json")).text();
    const doc = JSON.parse(text) as Record<string, any>;
    expect(doc.servers.broker).toMatchObject({ host: "mq.kommune.example:5671", protocol: "amqps" });
    expect(doc.servers.broker.description).toContain("virtual host ozg/prod");
    for (const channel of ["applications", "subscriberQueue", "status", "statusDeadLetters", "statusRejections"]) {
      const binding = doc.channels[channel].bindings.amqp;
      expect((binding.exchange ?? binding.queue).vhost).toBe("ozg/prod");
    }
    expect(text).not.toMatch(/s3cr|hubuser/);
    const plain = await servedAsyncApi(gw, "amqp://guest:guest@10.1.2.3");
    expect(plain.servers.broker).toMatchObject({ host: "10.1.2.3:5672", protocol: "amqp" });
    expect(plain.channels.status.bindings.amqp.exchange.vhost).toBe("/");
    // Subscribers may reach the broker by another name than ozg-hub does: amqp.publicUrl.
    const published = gatewaySchema.parse({ amqp: { publicUrl: "amqps://mq.land.example/kommunen" } });
    const doc2 = await servedAsyncApi(published, "amqp://guest:guest@10.1.2.3");
    expect(doc2.servers.broker).toMatchObject({ host: "mq.land.example:5671", protocol: "amqps" });
    expect(doc2.channels.statusRejections.bindings.amqp.queue.vhost).toBe("kommunen");
  });
});
