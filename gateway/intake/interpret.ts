import type { MappingInput } from "../mapping/engine.ts";
import type { Interpretation, RoutedApplication } from "../outbox/write.ts";
import type { Runtime } from "../runtime.ts";

/**
 * Mapping, then routing, for every application the delivery holds. Never throws for bad
 * content: whatever cannot be mapped or routed becomes a park reason that an operator can read
 * and fix. One record that cannot be routed parks the whole delivery, so that a message is
 * never half delivered; so does a warning for a tenant that asked to be strict.
 */
export async function interpret(runtime: Runtime, input: MappingInput): Promise<Interpretation> {
  const mapped = await runtime.mappings.map(input);
  if (!mapped.ok) {
    return { kind: "parked", stage: "mapping", format: mapped.format, message: mapped.message, details: mapped.problems.length ? mapped.problems : undefined };
  }
  const routed: RoutedApplication[] = [];
  const count = mapped.applications.length;
  for (const [i, application] of mapped.applications.entries()) {
    const which = count > 1 ? `record ${i + 1} of ${count}: ` : "";
    // The sender's id for the delivery is the application's, unless the content names its own.
    if (application.sourceId === undefined && input.sourceMessageId)
      application.sourceId = count > 1 ? `${input.sourceMessageId}#${i + 1}` : input.sourceMessageId;
    const r = runtime.router.route(application, input.portalId, input.recipient);
    const applicant = application.applicant?.name;
    if (!r.ok)
      return {
        kind: "parked",
        stage: "routing",
        format: mapped.format,
        tenantId: r.tenantId,
        message: `${which}${r.message}`,
        ...(applicant ? { applicant } : {}),
      };
    if (r.warning) application.warnings.push({ path: "recipient", message: r.warning });
    if (input.documentWarning) application.warnings.push({ path: "content", message: input.documentWarning });
    if (r.tenant.strict && application.warnings.length > 0) {
      return {
        kind: "parked",
        stage: "mapping",
        format: mapped.format,
        tenantId: r.tenant.id,
        message: `${which}tenant ${r.tenant.id} is strict and the application has ${application.warnings.length} warning(s): ${application.warnings.map((w) => `${w.path}: ${w.message}`).join("; ")}`,
        details: application.warnings,
        ...(applicant ? { applicant } : {}),
      };
    }
    routed.push({ application, tenant: r.tenant, subscribers: r.subscribers });
  }
  return { kind: "routed", format: mapped.format, applications: routed };
}
