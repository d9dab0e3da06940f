import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { validateMetadata } from "./metadata.ts";

const PROBLEMS = "https://schema.fitko.de/fit-connect/events/problems/";
const hash = { type: "sha512", content: "a".repeat(128) };
const bytes = (doc: unknown) => Buffer.from(JSON.stringify(doc));
const minimal = (extra: Record<string, unknown> = {}) => ({
  contentStructure: {
    data: { hash, submissionSchema: { schemaUri: "https://schema.fitko.de/fim/s00000114_1.3.schema.json", mimeType: "application/json" } },
    attachments: [{ attachmentId: randomUUID() as string, hash, purpose: "form", mimeType: "application/pdf", filename: "Antrag.pdf" }],
  },
  ...extra,
});

describe("FIT-Connect metadata validation", () => {
  it("takes metadata without $schema for 1.0 and checks it against the published 1.0.0 schema", () => {
    expect(validateMetadata(bytes(minimal())).ok).toBe(true);
    // The published schema's own constraints: payment methods are an enum, attachment ids UUIDs.
    const payment = { transactionId: "t-1", transactionReference: "R-1", paymentMethod: "BARTER", status: "BOOKED" };
    const bad = validateMetadata(bytes(minimal({ paymentInformation: payment })));
    expect(bad).toMatchObject({ ok: false, problem: { type: PROBLEMS + "schema-violation", instance: "metadata" } });
    const doc = minimal();
    doc.contentStructure.attachments[0]!.attachmentId = "not-a-uuid";
    expect(validateMetadata(bytes(doc)).ok).toBe(false);
  });

  it("chooses the schema by the version $schema names", () => {
    const v21 = "https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json";
    expect(validateMetadata(bytes(minimal({ $schema: v21 }))).ok).toBe(true);
    expect(validateMetadata(bytes(minimal({ $schema: "https://schema.fitko.de/fit-connect/metadata/1.2.0/metadata.schema.json" }))).ok).toBe(true);
    const missing = validateMetadata(bytes({ $schema: v21 }));
    expect(missing).toMatchObject({ ok: false, problem: { type: PROBLEMS + "schema-violation" } });
  });

  it("refuses versions it has no schema for and documents that are not JSON objects", () => {
    const v3 = validateMetadata(bytes(minimal({ $schema: "https://schema.fitko.de/fit-connect/metadata/3.0.0/metadata.schema.json" })));
    expect(v3).toMatchObject({ ok: false, problem: { type: PROBLEMS + "unsupported-schema" } });
    expect(validateMetadata(bytes(minimal({ $schema: "https://example.org/metadata.json" })))).toMatchObject({
      ok: false,
      problem: { type: PROBLEMS + "unsupported-schema" },
    });
    expect(validateMetadata(Buffer.from("{"))).toMatchObject({ ok: false, problem: { type: PROBLEMS + "syntax-violation" } });
    expect(validateMetadata(bytes([1]))).toMatchObject({ ok: false, problem: { type: PROBLEMS + "schema-violation" } });
  });
});
