import { z } from "zod";
import { applicationSchema } from "../mapping/canonical.ts";
import { APPLICATION_EVENT_TYPE } from "../outbox/cloudevent.ts";

/**
 * The published event as one zod definition: the CloudEvents 1.0 envelope with ozg-hub's
 * extension attributes around the canonical application. The JSON Schema under schemas/ and
 * the AsyncAPI document are generated from it (`npm run schemas`); a test keeps the committed
 * files in step and refuses incompatible changes within a version.
 */
export const applicationEventSchema = z
  .object({
    specversion: z.literal("1.0"),
    id: z.string().describe("the application id; stable across redeliveries, so consumers drop repeats by it"),
    source: z.string().describe("urn:ozg-hub:<instance>"),
    type: z.literal(APPLICATION_EVENT_TYPE).describe("ends in the contract version; a new major version gets a new type"),
    subject: z.string().describe("the delivery's short reference, as printed on the sender's receipt"),
    time: z.iso.datetime({ offset: true }).describe("when ozg-hub received the delivery"),
    datacontenttype: z.literal("application/json"),
    ozgtenant: z.string().describe("the tenant (authority) the application was routed to"),
    ozgformat: z.string().describe("id of the mapping that produced the application"),
    ozgleikakey: z.string().optional().describe("the primary LeiKa key, when the application names one"),
    ozgdelivery: z.string().describe("id of the delivery the application came in"),
    ozgreference: z.string().describe("the delivery's short reference"),
    traceparent: z.string().optional().describe("W3C trace context of the intake (CloudEvents distributed-tracing extension), when tracing is on"),
    data: applicationSchema.extend({ id: z.string().describe("the application id") }),
  })
  .describe("A new application for a subscriber (CloudEvents 1.0, structured mode)");

export type ApplicationEventContract = z.infer<typeof applicationEventSchema>;
