import { Hono, type Context } from "hono";
import { clientFingerprint, messageOf, type AdapterContext } from "../../gateway/index.ts";
import { accountFor, type XtaSettings } from "./auth.ts";
import { envelope, faultReply, readSoap, soapReply } from "./envelope.ts";
import { faults } from "./faults.ts";
import { cancelMessage, checkAccountActive, createMessageId, getTransportReport, lookupService } from "./management.ts";
import { close, getMessage, getNextMessage, getNextStatusList, getStatusList } from "./msgbox.ts";
import { OPERATIONS, operationOf, type Operation, type Port } from "./ns.ts";
import type { OperationHandler } from "./operation.ts";
import { peekMessageId } from "./peek.ts";
import { sendMessage, sendMessageSync } from "./send.ts";
import { wsdlRoutes } from "./wsdl.ts";

const HANDLERS = {
  checkAccountActive,
  createMessageId,
  getTransportReport,
  lookupService,
  cancelMessage,
  sendMessage,
  sendMessageSync,
  getStatusList,
  getMessage,
  getNextMessage,
  getNextStatusList,
  close,
} satisfies Record<Operation, OperationHandler>;

/**
 * The three XTA ports. A small SOAP 1.2 router rather than the `soap` package's server: XTA
 * names the operation by `wsa:Action` (several operations have an empty body, so the body's
 * element cannot tell them apart), which that server does not dispatch on, and it could not
 * answer with XTA's faults and WS-Addressing replies.
 *
 * Order per request: account (TLS client certificate) before reading anything but the
 * wsa:MessageID header (to relate a refusal to its request), then envelope
 * and WS-Addressing, then the operation. Every refusal is a SOAP fault with a Fehlernummer.
 */
export function xtaRoutes(ctx: AdapterContext, prepared: () => XtaSettings): Hono {
  const app = new Hono();

  async function handle(c: Context, port: Port): Promise<Response> {
    const settings = prepared();
    const account = accountFor(settings, clientFingerprint(c, settings.gateway.trustedProxy));
    if (!account) {
      if (port === "send") ctx.metrics.deliveries.inc({ channel: "xta", portal: "", outcome: "unauthorized" });
      // WS-Addressing wants the refusal related to the request: only its header is peeked at.
      return faultReply(c, faults.unknownAccount(), { relatesTo: await peekMessageId(c.req.raw) });
    }
    const read = await readSoap(c, settings.gateway.maxMessageBytes, ctx.lookups.limits().xmlDepth);
    if (!read.ok) {
      const known = read.action && operationOf(read.action) ? read.action : undefined;
      return faultReply(c, read.fault, { action: known, relatesTo: read.relatesTo, notUnderstood: read.notUnderstood });
    }
    const { req } = read;
    const op = operationOf(req.action);
    if (!op || OPERATIONS[op].port !== port) return faultReply(c, faults.actionNotSupported(req.action, port), { relatesTo: req.messageId });
    const action = OPERATIONS[op].action;
    let result;
    try {
      result = await HANDLERS[op]({ ctx, settings, req, account });
    } catch (err) {
      ctx.log.error(
        { err: messageOf(err), operation: op, account: account.kind === "portal" ? account.portal.id : `${account.tenant.id}/${account.subscriber.id}` },
        "XTA operation failed",
      );
      return faultReply(c, faults.technical(), { action, relatesTo: req.messageId });
    }
    if (!result.ok) return faultReply(c, result.fault, { action, relatesTo: req.messageId });
    return soapReply(c, action, envelope({ action, relatesTo: req.messageId, headers: result.headers, body: result.body }));
  }

  // Whatever escapes a handler (the store gone while reading the request, a bug) is still
  // answered as XTA: a technical fault 9030 the portal retries, never an HTTP problem document.
  app.onError((err, c) => {
    ctx.log.error({ err: messageOf(err), path: c.req.path }, "XTA request failed");
    return faultReply(c, faults.technical());
  });
  app.route("/", wsdlRoutes());
  app.post("/xta/management", (c) => handle(c, "management"));
  app.post("/xta/send", (c) => handle(c, "send"));
  app.post("/xta/msgbox", (c) => handle(c, "msgbox"));
  return app;
}
