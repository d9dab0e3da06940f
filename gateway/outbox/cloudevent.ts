import type { Application } from "../mapping/canonical.ts";

/** The `type` of the CloudEvent that carries a new application to its subscribers. */
export const APPLICATION_EVENT_TYPE = "de.ozghub.application.received.v1";

export interface ApplicationEvent {
  specversion: "1.0";
  id: string;
  source: string;
  type: typeof APPLICATION_EVENT_TYPE;
  subject: string;
  time: string;
  datacontenttype: "application/json";
  ozgtenant: string;
  ozgformat: string;
  ozgleikakey?: string;
  ozgdelivery: string;
  ozgreference: string;
  /** W3C trace context of the intake (CloudEvents distributed-tracing extension), when tracing is on. */
  traceparent?: string;
  data: Application & { id: string };
}

/**
 * A CloudEvents 1.0 structured-mode event (`application/cloudevents+json`). Extension
 * attributes carry what consumers filter on without parsing `data`.
 */
export function applicationEvent(args: {
  instance: string;
  applicationId: string;
  deliveryId: string;
  reference: string;
  tenantId: string;
  receivedAt: Date;
  application: Application;
  traceparent?: string;
}): ApplicationEvent {
  const leika = args.application.service.leikaKeys[0];
  return {
    specversion: "1.0",
    id: args.applicationId,
    source: `urn:ozg-hub:${args.instance}`,
    type: APPLICATION_EVENT_TYPE,
    subject: args.reference,
    time: args.receivedAt.toISOString(),
    datacontenttype: "application/json",
    ozgtenant: args.tenantId,
    ozgformat: args.application.sourceFormat,
    ...(leika ? { ozgleikakey: leika } : {}),
    ozgdelivery: args.deliveryId,
    ozgreference: args.reference,
    ...(args.traceparent ? { traceparent: args.traceparent } : {}),
    data: { id: args.applicationId, ...args.application },
  };
}
