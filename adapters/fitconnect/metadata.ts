import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { problem, type Problem } from "./problems.ts";

const here = path.join(path.dirname(fileURLToPath(import.meta.url)), "schemas");
const SCHEMA_URI = /^https:\/\/schema\.fitko\.de\/fit-connect\/metadata\/(\d+)\.(\d+)\.\d+\/metadata\.schema\.json$/;

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const load = (file: string): ValidateFunction => ajv.compile(JSON.parse(readFileSync(path.join(here, file), "utf8")));
/** 1.0.x: the published schema itself; later 1.x and 2.x: the transcriptions (schemas/README.md). */
const published10 = load("metadata-1.0.0.schema.json");
const byMajor = new Map<number, ValidateFunction>([
  [1, load("metadata-1.x.schema.json")],
  [2, load("metadata-2.x.schema.json")],
]);

/** What the adapter reads from a metadata document once it is valid. */
export interface Metadata {
  $schema?: string;
  contentStructure: {
    data?: { hash: { type: string; content: string }; submissionSchema: { schemaUri: string; mimeType: string } };
    attachments: {
      attachmentId: string;
      hash: { type: string; content: string };
      purpose: string;
      mimeType: string;
      filename?: string;
      description?: string;
    }[];
  };
  [key: string]: unknown;
}

/**
 * Validates decrypted metadata against the bundled schema of the version it names. Metadata
 * without `$schema` is taken for 1.0 (the property came later, and became mandatory with 2.0);
 * a version without a bundled schema is `unsupported-schema`.
 */
export function validateMetadata(bytes: Uint8Array): { ok: true; metadata: Metadata } | { ok: false; problem: Problem } {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (err) {
    return { ok: false, problem: problem("syntax-violation", "metadata", `the metadata is not valid JSON: ${(err as Error).message}`) };
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    return { ok: false, problem: problem("schema-violation", "metadata", "the metadata is not a JSON object") };
  const named = (doc as { $schema?: unknown }).$schema;
  let major = 1;
  let minor = 0;
  if (named !== undefined) {
    const m = typeof named === "string" ? SCHEMA_URI.exec(named) : null;
    if (!m) return { ok: false, problem: problem("unsupported-schema", "metadata", `unknown metadata schema ${JSON.stringify(named)}`) };
    major = Number(m[1]);
    minor = Number(m[2]);
  }
  const validate = major === 1 && minor === 0 ? published10 : byMajor.get(major);
  if (!validate) return { ok: false, problem: problem("unsupported-schema", "metadata", `metadata schema version ${major}.x is not supported`) };
  if (!validate(doc)) {
    const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message ?? "invalid"}`);
    return { ok: false, problem: problem("schema-violation", "metadata", `the metadata violates its schema: ${errors.join("; ")}`) };
  }
  return { ok: true, metadata: doc as Metadata };
}
