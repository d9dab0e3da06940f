import { z } from "zod";

/**
 * The canonical Application: what every mapping produces and every subscriber receives as the
 * `data` of a CloudEvent. Fields the sources rarely agree on are optional; what routing needs
 * (`recipient`) and what a case system cannot do without (`service`, `applicant`) is required.
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

export const applicationSchema = z
  .object({
    sourceFormat: z.string().describe("id of the mapping that produced this application"),
    sourceId: z.string().optional().describe("the sender's id for the application (transactionId, MessageID ...)"),
    submittedAt: z.iso.datetime({ offset: true }).optional(),
    service: z
      .object({
        leikaKeys: z.array(z.string().regex(/^\d{14}$/, "a 14-digit LeiKa key")).describe("LeiKa services, the first is primary"),
        name: z.string().optional(),
        formId: z.string().optional(),
      })
      .strict(),
    recipient: z
      .object({
        organisationUnitId: z.string().optional().describe("zuständige Stelle / organisation unit"),
        ags: z.string().regex(/^\d{8}$/).optional(),
        ars: z.string().regex(/^\d{12}$/).optional(),
        xtaReader: z.string().optional().describe("XTA reader identifier, e.g. ags:01002000"),
      })
      .strict()
      .refine((r) => Object.values(r).some((v) => v !== undefined && v !== ""), {
        message: "at least one of organisationUnitId, ags, ars or xtaReader is needed to route",
      }),
    applicant: z
      .object({
        kind: z.enum(["person", "organisation"]),
        name: z.string().min(1).describe("display name: 'Given Family' or the organisation's name"),
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
            trustLevel: z.string().optional(),
            postfach: z.object({ identifier: z.string(), type: z.string().optional() }).strict().optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
    data: z.unknown().describe("the form content, as structured as the source allows"),
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
  })
  .strict();

export type Application = z.infer<typeof applicationSchema>;
