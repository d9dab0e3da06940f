import type { Runtime, XtaGatewayConfig } from "../../gateway/index.ts";

const DEFAULTS: XtaGatewayConfig = {
  messageIdPrefix: "ozghub",
  identifier: "ozg-hub",
  maxMessageBytes: 40 * 1024 ** 2,
  accounts: [],
};

/** The `xta` section of gateway.yaml with its defaults (the section itself is optional). */
export function xtaSettings(runtime: Runtime): XtaGatewayConfig {
  return runtime.config.gateway.xta ?? DEFAULTS;
}

/** `urn:de:xta:messageid:<prefix>:<id>` — the MessageID form of XTA 2. */
export function xtaMessageId(prefix: string, id: string): string {
  return `urn:de:xta:messageid:${prefix}:${id}`;
}
