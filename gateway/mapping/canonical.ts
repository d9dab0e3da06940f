import { z } from "zod";

/**
 * The canonical Application: what every mapping produces and every subscriber receives as the
 * `data` of a CloudEvent. Only what routing needs (`recipient`) is required: a routable
 * application is delivered even when other canonical fields could not be filled, and then
 * lists why in `warnings`. Beside the canonical fields, `content` carries the whole source
 * document, so that nothing a mapping does not extract is lost.
 */

const address = z
  .object({
    street: z.string().optional(),
    houseNumber: z.string().optional(),
    postalCode: z.string().optional(),
    city: z.string().optional(),
    country: z.string().optional().describe("ISO 3166-1 alpha-2, e.g. DE"),
  })
  .strict();

const warning = z
  .object({
    path: z.string().describe("canonical field, dotted (applicant.name), or the source path it concerns"),
    message: z.string(),
  })
  .strict();

const content = z
  .object({
    kind: z.enum(["json", "xml"]).describe("how the source was read"),
    root: z.object({ namespace: z.string().optional(), name: z.string() }).strict().optional().describe("the XML root element of the source"),
    document: z
      .unknown()
      .describe(
        "the complete source document as structured data: JSON as sent; XML with element names without prefix, attributes as @name, text beside attributes as #text, every value a string, repeated elements as arrays",
      ),
    record: z
      .object({
        index: z.number().int().nonnegative().describe("0-based position of this record in the message"),
        count: z.number().int().positive().describe("how many records the message held"),
        path: z.string().describe("where the records sit in the document, e.g. *.satz"),
      })
      .strict()
      .optional()
      .describe("set when the message held several records: `document` then holds this record only, beside everything the records share"),
    original: z
      .object({
        href: z.string().describe("where the tenant fetches the original bytes, e.g. /api/v1/deliveries/{id}/document"),
        contentType: z.string().optional(),
        sha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/)
          .optional()
          .describe("hash of the original bytes"),
      })
      .strict()
      .optional()
      .describe("the original bytes as received, before any parsing"),
  })
  .strict();

export const applicationSchema = z
  .object({
    sourceFormat: z.string().describe("id of the mapping that produced this application"),
    sourceId: z.string().optional().describe("the sender's id for the application (transactionId, MessageID ...)"),
    submittedAt: z.iso.datetime({ offset: true }).optional(),
    service: z
      .object({
        leikaKeys: z
          .array(z.string().regex(/^\d{14}$/, "a 14-digit LeiKa key"))
          .default([])
          .describe("LeiKa services, the first is primary; empty only together with a warning"),
        name: z.string().optional(),
        formId: z.string().optional(),
      })
      .strict()
      .default({ leikaKeys: [] }),
    recipient: z
      .object({
        organisationUnitId: z.string().optional().describe("zuständige Stelle / organisation unit"),
        ags: z
          .string()
          .regex(/^\d{8}$/)
          .optional(),
        ars: z
          .string()
          .regex(/^\d{12}$/)
          .optional(),
        xtaReader: z.string().optional().describe("XTA reader identifier, e.g. ags:01002000"),
      })
      .strict()
      .refine((r) => Object.values(r).some((v) => v !== undefined && v !== ""), {
        message: "at least one of organisationUnitId, ags, ars or xtaReader is needed to route",
      }),
    applicant: z
      .object({
        kind: z.enum(["person", "organisation"]).optional().describe("missing only together with a warning"),
        name: z.string().min(1).optional().describe("display name: 'Given Family' or the organisation's name; missing only together with a warning"),
        givenName: z.string().optional(),
        familyName: z.string().optional(),
        organisationName: z.string().optional(),
        birthDate: z.iso.date().optional(),
        email: z.string().optional(),
        phone: z.string().optional(),
        address: address.optional(),
        account: z
          .object({
            type: z.string().optional().describe("BUND_ID, ORGANISATIONS_KONTO, ..."),
            trustLevel: z.string().optional().describe("eIDAS level as the portal states it: LOW, SUBSTANTIAL, HIGH (STORK-QAA-Level-n kept as sent)"),
            postfach: z.object({ identifier: z.string(), type: z.string().optional() }).strict().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional()
      .describe("who applies; missing only together with a warning"),
    data: z.unknown().optional().describe("the form content as the mapping shapes it (renamed, typed); the untouched source is in `content`"),
    attachments: z
      .array(
        z
          .object({
            id: z.string(),
            name: z.string(),
            contentType: z.string(),
            group: z.string().optional().describe("the sender's grouping, e.g. representation or attachment"),
            size: z.number().int().nonnegative(),
            sha256: z.string().regex(/^[0-9a-f]{64}$/),
            title: z.string().optional(),
          })
          .strict(),
      )
      .default([])
      .describe("filled by the gateway from the stored attachments"),
    signatures: z
      .array(
        z
          .object({
            role: z.string().describe("what the signer signed as, e.g. author (an OSCI content container's Author)"),
            subject: z.string(),
            issuer: z.string(),
            serial: z.string().describe("serial number of the signing certificate, hex"),
            trust: z
              .enum(["pinned", "trusted", "untrusted"])
              .describe(
                "pinned: a certificate the config pins; trusted: chains to a configured trust anchor; untrusted: neither (the signature itself verified)",
              ),
            detail: z.string(),
          })
          .strict(),
      )
      .optional()
      .describe("signatures over the content that ozg-hub verified on receipt, filled by the gateway, never by a mapping"),
    warnings: z
      .array(warning)
      .default([])
      .describe("canonical fields that could not be filled or were malformed; the application was delivered anyway (a strict tenant parks instead)"),
    content: content.optional().describe("the whole source, filled by the gateway, never by a mapping"),
  })
  .strict();

/** A canonical field that could not be filled as the model wants: delivered anyway, said so. */
export type Warning = z.infer<typeof warning>;

export type Application = z.infer<typeof applicationSchema>;
