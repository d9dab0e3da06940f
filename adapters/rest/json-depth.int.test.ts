import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { antragBody, ozgCloudForm } from "../../test/support/forms.ts";
import { startTestHub, TOKENS, type TestHub } from "../../test/support/hub.ts";
import { expectRefused } from "../../test/support/refusals.ts";

const auth = { authorization: `Bearer ${TOKENS.formsolutions}` };

/** A form item with `groups` groups nested inside it (two JSON levels each), as text: no recursion on either side. */
const deepItem = (groups: number) => `${'{"name":"g","formItems":['.repeat(groups)}{"name":"innen","stringValue":"x"}${"]}".repeat(groups)}`;

/** `{"a":[{"a":[ … 1 … ]}]}`: `levels` arrays and objects, built as text (no recursion on either side). */
const nestedJson = (levels: number) => `${'{"a":['.repeat(levels / 2)}1${"]}".repeat(levels / 2)}`;

describe("JSON nesting is bounded by limits.jsonDepth on every REST intake (default limits)", () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it("400 for a form field nested 5,000 levels deep in /antrag, attachments rolled back", async () => {
    const form = JSON.stringify(ozgCloudForm({ transactionId: "tx-deep" })).replace('"formData":[', `"formData":[${deepItem(2_500)},`);
    const body = await expectRefused(
      hub,
      "/antrag",
      { method: "POST", headers: auth, body: antragBody(form, [{ part: "attachment", name: "a.pdf", type: "application/pdf", content: "%PDF-1.7" }]) },
      400,
      "malformed",
    );
    expect(body.detail).toBe("JSON nested deeper than 64 levels (limits.jsonDepth)");
  });

  it("400 for 100,000 levels to /api/v1/deliveries and 5,000 to /api/v1/applications", async () => {
    const deep = await expectRefused(
      hub,
      "/api/v1/deliveries",
      { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: nestedJson(100_000) },
      400,
      "malformed",
    );
    expect(deep.detail).toContain("limits.jsonDepth");
    const canonical = `{"service":{"leikaKeys":["99123456760000"]},"recipient":{"ags":"09761000"},"data":${nestedJson(5_000)}}`;
    await expectRefused(
      hub,
      "/api/v1/applications",
      { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: canonical },
      400,
      "malformed",
    );
  });

  it("accepts a document nested up to the limit", async () => {
    const res = await hub.app.request("/api/v1/applications", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: `{"service":{"leikaKeys":["99123456760000"]},"recipient":{"ags":"09761000"},"data":${nestedJson(62)}}`,
    });
    expect(res.status).toBe(202);
  });
});
