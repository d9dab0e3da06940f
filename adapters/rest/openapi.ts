import { Hono } from "hono";
import { z } from "zod";
import { submissionSchema } from "./applications.ts";
import { ozgCloudFormSchema } from "./ozg-cloud-schema.ts";

const problemRef = { $ref: "#/components/schemas/Problem" };
const problems = (codes: number[]) =>
  Object.fromEntries(codes.map((code) => [String(code), { description: "RFC 9457 problem", content: { "application/problem+json": { schema: problemRef } } }]));

/** The OpenAPI 3.1 document of the REST intake; request schemas come from the zod schemas that validate them. */
export function openApiDocument() {
  const receipt = {
    type: "object",
    properties: {
      id: { type: "string", format: "uuid" },
      reference: { type: "string", example: "7KQ2-M9XD" },
      sourceId: { type: ["string", "null"] },
      state: { type: "string", enum: ["routed", "parked"] },
      receivedAt: { type: "string", format: "date-time" },
    },
  };
  return {
    openapi: "3.1.0",
    info: { title: "ozg-hub intake", version: "1", description: "Applications from portals into ozg-hub." },
    components: {
      securitySchemes: {
        portalToken: { type: "http", scheme: "bearer" },
        clientCertificate: {
          type: "mutualTLS",
          description: "a TLS client certificate pinned in the portal's rest.certificateSha256 (REST HTTPS listener or trusted proxy)",
        },
      },
      schemas: {
        Submission: z.toJSONSchema(submissionSchema, { io: "input" }),
        OzgCloudFormData: z.toJSONSchema(ozgCloudFormSchema, { io: "input" }),
        Receipt: receipt,
        Problem: {
          type: "object",
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            errors: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } } },
          },
        },
      },
    },
    security: [{ portalToken: [] }, { clientCertificate: [] }],
    paths: {
      "/api/v1/applications": {
        post: {
          summary: "Submit an application",
          parameters: [
            {
              name: "Idempotency-Key",
              in: "header",
              schema: { type: "string", maxLength: 200 },
              description: "a repeat with the same key gets the first receipt back",
            },
          ],
          requestBody: {
            content: {
              "application/json": { schema: { $ref: "#/components/schemas/Submission" } },
              "multipart/form-data": {
                schema: {
                  type: "object",
                  properties: { application: { $ref: "#/components/schemas/Submission" } },
                  additionalProperties: { type: "string", format: "binary" },
                },
              },
            },
          },
          responses: {
            "202": { description: "stored; on its way", content: { "application/json": { schema: { $ref: "#/components/schemas/Receipt" } } } },
            ...problems([400, 401, 403, 409, 413, 415, 422]),
          },
        },
      },
      "/api/v1/applications/{id}": {
        get: {
          summary: "State and timeline of an application delivered by this portal",
          parameters: [
            {
              name: "id",
              in: "path",
              required: true,
              description: "the delivery id of the receipt (vorgangId, Location) or the id of one of its applications (event id, data.id, applicationId)",
              schema: { type: "string", format: "uuid" },
            },
          ],
          responses: { "200": { description: "state and timeline" }, ...problems([401, 404]) },
        },
      },
      "/api/v1/applications/{id}/statuses/{statusId}/document": {
        get: {
          summary: "The Bescheid of a decided status (see statuses in the application's state)",
          parameters: [
            { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } },
            {
              name: "statusId",
              in: "path",
              required: true,
              description: "statuses[].id of the application's state",
              schema: { type: "string", format: "uuid" },
            },
          ],
          responses: { "200": { description: "the document as reported", content: { "application/octet-stream": {} } }, ...problems([401, 404]) },
        },
      },
      "/api/v1/webhook": {
        get: {
          summary: "This portal's status webhook: enabled or disabled, pending and failed notifications (events: /api/v1/asyncapi.json)",
          responses: { "200": { description: "endpoint state" }, ...problems([401]) },
        },
      },
      "/api/v1/webhook/enable": {
        post: {
          summary: "Enable this portal's webhook again and queue its failed notifications anew",
          responses: { "200": { description: "endpoint state and requeued count" }, ...problems([401, 409]) },
        },
      },
      "/antrag": {
        post: {
          summary: "OZG-Cloud compatible intake",
          requestBody: {
            content: {
              "multipart/form-data": {
                schema: {
                  type: "object",
                  required: ["formData"],
                  properties: {
                    formData: { $ref: "#/components/schemas/OzgCloudFormData" },
                    representation: { type: "array", items: { type: "string", format: "binary" } },
                    attachment: { type: "array", items: { type: "string", format: "binary" } },
                  },
                },
              },
            },
          },
          responses: {
            "202": { description: "{transactionId, vorgang:{vorgangId, vorgangNummer, status, statusSince}}" },
            ...problems([400, 401, 403, 409, 413, 415, 422]),
          },
        },
      },
    },
  };
}

export function openApiRoutes(): Hono {
  const app = new Hono();
  const doc = openApiDocument();
  app.get("/api/v1/openapi.json", (c) => c.json(doc));
  return app;
}
