// What a vendor's code generator makes of the published schemas: quicktype (which, like Modelina,
// names models by `title`) run on the committed files under schemas/, as a consumer would.
// Every object gets a name of the contract, and what the schema requires stays required.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { FetchingJSONSchemaStore, InputData, JSONSchemaInput, quicktype } from "quicktype-core";
import { describe, expect, it } from "vitest";
import { SCHEMAS_DIR } from "./files.ts";

async function typescriptOf(file: string, name: string): Promise<string> {
  const input = new JSONSchemaInput(new FetchingJSONSchemaStore());
  await input.addSource({ name, schema: await readFile(path.join(SCHEMAS_DIR, file), "utf8") });
  const data = new InputData();
  data.addInput(input);
  const result = await quicktype({ inputData: data, lang: "typescript", rendererOptions: { "just-types": "true" } });
  return result.lines.join("\n");
}

/** The fields of one generated interface, `name` or `name?` (optional). */
function fieldsOf(code: string, type: string): string[] {
  const body = new RegExp(`export interface ${type} \\{([\\s\\S]*?)\\n\\}`).exec(code)?.[1];
  if (body === undefined) throw new Error(`no interface ${type} in:\n${code}`);
  return [...body.matchAll(/^ {4}(\w+\??):/gm)].map((m) => m[1]!);
}

const interfaces = (code: string) => [...code.matchAll(/export interface (\w+)/g)].map((m) => m[1]!).sort();

describe("generated code from the published schemas (quicktype)", () => {
  it("names the application event's models after the contract and keeps required fields required", async () => {
    const code = await typescriptOf("application-event.v1.schema.json", "ApplicationEvent");
    expect(interfaces(code)).toEqual(
      [
        "Account",
        "Address",
        "Applicant",
        "Application",
        "ApplicationEvent",
        "Attachment",
        "OriginalDocument",
        "Postfach",
        "Recipient",
        "Service",
        "Signature",
        "SourceContent",
        "SourceRecord",
        "Warning",
        "XMLRoot",
      ].sort(),
    );
    expect(code).not.toMatch(/Anonymous|\bData\b/);
    expect(fieldsOf(code, "ApplicationEvent")).toEqual(expect.arrayContaining(["data", "id", "ozgtenant", "ozgdelivery", "type", "ozgleikakey?"]));
    expect(fieldsOf(code, "Application")).toEqual(
      expect.arrayContaining(["id", "sourceFormat", "service", "recipient", "attachments", "warnings", "applicant?", "content?", "signatures?"]),
    );
    expect(fieldsOf(code, "Attachment")).toEqual(expect.arrayContaining(["id", "name", "contentType", "size", "sha256", "group?"]));
    expect(code).toMatch(/attachments: +Attachment\[\];/);
  });

  it("names each kind of status report and its Bescheid", async () => {
    const code = await typescriptOf("status-event.v1.schema.json", "StatusEvent");
    expect(interfaces(code)).toEqual(expect.arrayContaining(["StatusEvent", "Bescheid"]));
    expect(code).not.toMatch(/Anonymous/);
    expect(fieldsOf(code, "Bescheid")).toEqual(["content", "contentType", "name"]);
    const portal = await typescriptOf("portal-status-event.v1.schema.json", "PortalStatusEvent");
    expect(interfaces(portal)).toEqual(["Bescheid", "PortalStatus", "PortalStatusEvent"]);
    expect(fieldsOf(portal, "PortalStatus")).toEqual(expect.arrayContaining(["deliveryId", "reference", "sourceId", "applicationId", "status", "document?"]));
  });
});
