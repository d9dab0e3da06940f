import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { formatPath } from "../config/load.ts";
import { messageOf } from "../errors.ts";
import { parseDocument, type AttachmentInfo, type MappingInput } from "./engine.ts";
import { limitsSchema } from "../config/schema.ts";

/**
 * A fixture case is `<case>.input.json|xml`, optionally `<case>.context.json`, and
 * `<case>.expected.json`. The context stands in for what the transport adds to a delivery; its
 * attachments are given by content so that size and sha256 are the same on every run, and
 * they get the ids `attachment-1`, `attachment-2` ... in order, so expected files never hold
 * random ids.
 */
export const fixtureContextSchema = z
  .object({
    channel: z.string().min(1).default("rest").describe("the channel the delivery came in on"),
    portal: z.string().default("fixture"),
    contentType: z.string().optional().describe("default from the input's extension"),
    format: z.string().optional().describe("pin a mapping id, as a portal or ?format= would"),
    sourceMessageId: z.string().optional(),
    receivedAt: z.iso.datetime({ offset: true }).default("2026-11-28T09:00:00Z"),
    metadata: z.record(z.string(), z.unknown()).default({}).describe("transport metadata, $meta in mappings"),
    recipient: z
      .object({ xtaReader: z.string(), ags: z.string(), ars: z.string(), organisationUnitId: z.string() })
      .partial()
      .strict()
      .optional()
      .describe("transport addressing, e.g. the XTA reader"),
    attachments: z.array(z.object({ name: z.string(), contentType: z.string(), group: z.string().optional(), content: z.string() }).strict()).default([]),
    forms: z
      .record(z.string(), z.record(z.string(), z.array(z.string()).min(1)))
      .optional()
      .describe("the portal's per-form field names, as `forms` in config/portals/*.yaml"),
  })
  .strict();

export type FixtureContext = z.infer<typeof fixtureContextSchema>;

export type FixtureInput = { ok: true; input: MappingInput } | { ok: false; message: string };

/** `a/b/case.input.xml` → `a/b/case.context.json`. */
export function contextFileOf(inputFile: string): string {
  return inputFile.replace(/\.input\.[^.]+$/, ".context.json");
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Reads an input file (and its context file, if any) into what a mapping sees at intake. */
export async function readFixtureInput(inputFile: string, contextFile = contextFileOf(inputFile)): Promise<FixtureInput> {
  let raw: unknown = {};
  const text = contextFile === inputFile ? undefined : await readOptional(contextFile);
  if (text !== undefined) {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      return { ok: false, message: `${contextFile}: not valid JSON: ${messageOf(err)}` };
    }
  }
  const ctx = fixtureContextSchema.safeParse(raw);
  if (!ctx.success) {
    return { ok: false, message: `${contextFile}: ${ctx.error.issues.map((i) => `${formatPath(i.path) || "(root)"}: ${i.message}`).join("; ")}` };
  }
  const c = ctx.data;
  const bytes = await readFile(inputFile);
  const contentType = c.contentType ?? (inputFile.endsWith(".xml") ? "application/xml" : "application/json");
  const parsed = parseDocument(bytes, contentType, limitsSchema.parse({}));
  if (!parsed.ok) return { ok: false, message: `${inputFile}: ${parsed.detail}` };
  const attachments: AttachmentInfo[] = c.attachments.map((a, i) => {
    const content = Buffer.from(a.content, "utf8");
    return {
      id: `attachment-${i + 1}`,
      name: a.name,
      contentType: a.contentType,
      ...(a.group ? { group: a.group } : {}),
      size: content.byteLength,
      sha256: createHash("sha256").update(content).digest("hex"),
    };
  });
  return {
    ok: true,
    input: {
      channel: c.channel,
      portalId: c.portal,
      contentType,
      format: c.format,
      sourceMessageId: c.sourceMessageId,
      receivedAt: new Date(c.receivedAt),
      metadata: c.metadata,
      attachments,
      document: parsed.document,
      xml: parsed.xml,
      recipient: c.recipient,
      forms: c.forms,
    },
  };
}
