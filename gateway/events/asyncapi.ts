import type { GatewayConfig } from "../config/schema.ts";
import { EVENT_CONTRACTS, jsonSchemaOf, schemaFileName, type EventContract } from "./contracts.ts";
import { brokerUrls } from "../publish/nodes.ts";

/** Names of the broker objects of the status way back (see gateway/status/consumer.ts). */
export interface StatusNames {
  exchange: string;
  queue: string;
  deadLetterQueue: string;
  /** `<prefix><tenant>`: each tenant's own queue of its rejected status events, with the reason. */
  rejectionQueuePrefix: string;
}

const contract = (name: string): EventContract => EVENT_CONTRACTS.find((c) => c.name === name)!;

/** A JSON Schema embedded as an AsyncAPI payload (its own $schema/$id stay in the file under /api/v1/schemas). */
function payload(name: string) {
  const { $schema: _s, $id: _i, ...schema } = jsonSchemaOf(contract(name));
  return { schemaFormat: "application/schema+json;version=draft-2020-12", schema };
}

/** Where subscribers reach the broker: what the AsyncAPI document names, never credentials. */
export interface BrokerAddress {
  protocol: "amqp" | "amqps";
  host: string;
  port: number;
  vhost: string;
}

/** The committed document (schemas/asyncapi.json) names the broker service of compose.yaml. */
export const SAMPLE_BROKER: BrokerAddress = { protocol: "amqp", host: "rabbitmq", port: 5672, vhost: "/" };

/**
 * Host, port and virtual host of an AMQP URL (of the first, for a list of nodes), without user and password.
 *
 * @example brokerAddress("amqps://hub:secret@mq.example:5671/ozg") // { protocol: "amqps", host: "mq.example", port: 5671, vhost: "ozg" }
 */
export function brokerAddress(amqpUrl: string): BrokerAddress {
  const url = new URL(brokerUrls(amqpUrl)[0]!);
  const protocol = url.protocol === "amqps:" ? "amqps" : "amqp";
  const vhost = url.pathname === "" || url.pathname === "/" ? "/" : decodeURIComponent(url.pathname.slice(1));
  return { protocol, host: url.hostname, port: url.port ? Number(url.port) : protocol === "amqps" ? 5671 : 5672, vhost };
}

const amqpExchange = (name: string, vhost: string) => ({
  amqp: { is: "routingKey", exchange: { name, type: "topic", durable: true, autoDelete: false, vhost }, bindingVersion: "0.3.0" },
});
const amqpQueue = (name: string, vhost: string) => ({
  amqp: { is: "queue", queue: { name, durable: true, exclusive: false, autoDelete: false, vhost }, bindingVersion: "0.3.0" },
});

/**
 * The AsyncAPI 3.0 document of ozg-hub's exchanges, routing keys, queues and message types.
 * Names come from the gateway config (the committed file under schemas/ uses the defaults), the
 * message schemas from the same zod definitions as the JSON Schemas under /api/v1/schemas.
 */
export function asyncApiDocument(gateway: Pick<GatewayConfig, "instance" | "amqp">, status: StatusNames, broker: BrokerAddress = SAMPLE_BROKER) {
  const { exchange, deadLetterExchange, queuePrefix } = gateway.amqp;
  const { vhost } = broker;
  const tenantParams = {
    tenant: { description: "tenant id from config/tenants/<tenant>.yaml" },
    subscriber: { description: "subscriber id within the tenant" },
  };
  const message = (name: string, title: string, summary: string) => ({
    name: contract(name).type,
    title,
    summary,
    contentType: "application/cloudevents+json",
    correlationId: { location: "$message.payload#/id" },
    description: `JSON Schema also at /api/v1/schemas/${schemaFileName(contract(name))}`,
    payload: payload(name),
    bindings: { amqp: { messageType: contract(name).type, bindingVersion: "0.3.0" } },
  });
  return {
    asyncapi: "3.0.0",
    info: {
      title: "ozg-hub events",
      version: "1",
      description:
        "Applications published to the subscribers' queues, status reports published back by them. " +
        "Versioning: the CloudEvents `type` ends in `.v<N>`; within a version only optional fields are added. " +
        "Consumers ignore fields they do not know and drop repeats by the message id.",
    },
    defaultContentType: "application/cloudevents+json",
    servers: {
      broker: {
        host: `${broker.host}:${broker.port}`,
        protocol: broker.protocol,
        protocolVersion: "0.9.1",
        description: `virtual host ${vhost}; each tenant connects with its own user (see \`ozg-hub topology\`)`,
      },
    },
    channels: {
      applications: {
        address: "{tenant}.{subscriber}",
        title: `routing keys of the topic exchange ${exchange}`,
        parameters: tenantParams,
        messages: { applicationEvent: { $ref: "#/components/messages/applicationEvent" } },
        bindings: amqpExchange(exchange, vhost),
      },
      subscriberQueue: {
        address: `${queuePrefix}.{tenant}.{subscriber}`,
        title: "a subscriber's durable quorum queue (the name may be set per subscriber)",
        description: `Bound to ${exchange} with {tenant}.{subscriber}; rejected messages go to ${deadLetterExchange} and on to <queue>.dlq.`,
        parameters: tenantParams,
        messages: { applicationEvent: { $ref: "#/components/messages/applicationEvent" } },
        bindings: amqpQueue(`${queuePrefix}.{tenant}.{subscriber}`, vhost),
      },
      status: {
        address: "{tenant}.{subscriber}",
        title: `routing keys of the topic exchange ${status.exchange}`,
        description: "A tenant's user may publish here only with routing keys that start with its own tenant id (topic permission).",
        parameters: tenantParams,
        messages: { statusEvent: { $ref: "#/components/messages/statusEvent" } },
        bindings: amqpExchange(status.exchange, vhost),
      },
      statusDeadLetters: {
        address: status.deadLetterQueue,
        title: "status events ozg-hub could not accept, with the reason in the header x-ozg-rejection-reason",
        messages: { statusEvent: { $ref: "#/components/messages/statusEvent" } },
        bindings: amqpQueue(status.deadLetterQueue, vhost),
      },
      statusRejections: {
        address: `${status.rejectionQueuePrefix}{tenant}`,
        title: "a tenant's own status events that ozg-hub rejected, the reason in the header x-ozg-rejection-reason",
        description:
          "The tenant's broker user may read (only) its own queue. Each message is the status event as published, with the headers " +
          "x-ozg-rejection-reason (why, in words) and x-ozg-routing-key; correlate by the event's id. The queue keeps the newest 10,000.",
        parameters: { tenant: tenantParams.tenant },
        messages: { statusEvent: { $ref: "#/components/messages/statusEvent" } },
        bindings: amqpQueue(`${status.rejectionQueuePrefix}{tenant}`, vhost),
      },
    },
    operations: {
      consumeApplications: {
        action: "receive",
        title: "a subscriber consumes its queue (manual ack, drop repeats by message id)",
        channel: { $ref: "#/channels/subscriberQueue" },
        messages: [{ $ref: "#/channels/subscriberQueue/messages/applicationEvent" }],
        bindings: { amqp: { ack: true, bindingVersion: "0.3.0" } },
      },
      reportStatus: {
        action: "send",
        title: "a subscriber reports the status of one of its tenant's applications",
        channel: { $ref: "#/channels/status" },
        messages: [{ $ref: "#/channels/status/messages/statusEvent" }],
        bindings: { amqp: { deliveryMode: 2, bindingVersion: "0.3.0" } },
      },
      receiveStatusRejections: {
        action: "receive",
        title: "a subscriber learns which of its tenant's status events were rejected, and why",
        channel: { $ref: "#/channels/statusRejections" },
        messages: [{ $ref: "#/channels/statusRejections/messages/statusEvent" }],
        bindings: { amqp: { ack: true, bindingVersion: "0.3.0" } },
      },
    },
    components: {
      messages: {
        applicationEvent: message("application-event", "New application", "An application routed to the tenant, with its whole content and attachment ids"),
        statusEvent: message("status-event", "Status report", "received, in-progress, needs-information, decided (with Bescheid) or rejected"),
      },
    },
  };
}
