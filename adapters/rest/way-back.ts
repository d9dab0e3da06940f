import { webhookHeaders, type AdapterContext, type PortalNotification, type WayBack } from "../../gateway/index.ts";

/**
 * The way back to REST portals: the status as a CloudEvent POSTed to the portal's webhook,
 * signed per Standard Webhooks (HMAC-SHA-256 over id, timestamp and body). A portal without
 * a webhook has its statuses parked for the console.
 */
export function restWayBack(ctx: AdapterContext): WayBack {
  return {
    choose: (portal) =>
      portal?.webhook ? { channel: "webhook", state: "pending" } : { channel: "parked", state: "parked", reason: "the portal has no webhook configured" },
    senders: { webhook: (n) => sendWebhook(ctx, n) },
  };
}

async function sendWebhook(ctx: AdapterContext, n: PortalNotification): Promise<Record<string, unknown>> {
  const webhook = ctx.lookups.portal(n.portalId)?.webhook;
  if (!webhook) throw new Error("the portal has no webhook configured any more");
  const secret = process.env[webhook.secretEnv];
  if (!secret) throw new Error(`the signing secret (${webhook.secretEnv}) is not set`);
  const body = JSON.stringify(n.payload);
  const res = await fetch(webhook.url, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json", ...webhookHeaders({ id: n.messageId, timestamp: ctx.clock(), body, secret }) },
    body,
    redirect: "manual",
    signal: n.signal,
  });
  await res.body?.cancel().catch(() => {});
  if (res.status < 200 || res.status > 299) throw new Error(`HTTP ${res.status}`);
  return { httpStatus: res.status };
}
