import type { MappingInput } from "../mapping/engine.ts";
import type { Interpretation } from "../outbox/write.ts";
import type { Runtime } from "../runtime.ts";

/**
 * Mapping, then routing. Never throws for bad content: whatever cannot be mapped or routed
 * becomes a park reason that an operator can read and fix.
 */
export async function interpret(runtime: Runtime, input: MappingInput): Promise<Interpretation> {
  const mapped = await runtime.mappings.map(input);
  if (!mapped.ok) {
    return { kind: "parked", stage: "mapping", format: mapped.format, message: mapped.message, details: mapped.problems.length ? mapped.problems : undefined };
  }
  // The sender's id for the delivery is the application's, unless the content names its own.
  if (mapped.application.sourceId === undefined && input.sourceMessageId) mapped.application.sourceId = input.sourceMessageId;
  const routed = runtime.router.route(mapped.application, input.portalId);
  if (!routed.ok) return { kind: "parked", stage: "routing", format: mapped.format, tenantId: routed.tenantId, message: routed.message };
  return { kind: "routed", format: mapped.format, application: mapped.application, tenant: routed.tenant, subscribers: routed.subscribers };
}
