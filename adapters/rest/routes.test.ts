import { rm } from "node:fs/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { InboundDocument } from "../../gateway/index.ts";
import { OutageError } from "../../gateway/index.ts";
import { loadRuntime } from "../../gateway/runtime.ts";
import { configSpec } from "../index.ts";
import { TOKENS, writeTestConfig } from "../../test/support/config.ts";
import { fakePort } from "../../test/support/fake-port.ts";
import { antragBody, ozgCloudForm } from "../../test/support/forms.ts";
import { restAdapter } from "./index.ts";

const auth = { authorization: `Bearer ${TOKENS.formsolutions}` };

/**
 * The REST adapter's intake routes in-process, against a fake port (intake, config): no
 * Postgres, no RabbitMQ. Every answer is checked for its problem+json shape.
 */
describe("REST routes against a fake port", () => {
  let dir: string;
  let port: ReturnType<typeof fakePort>;
  let app: ReturnType<typeof restAdapter>["routes"];

  beforeAll(async () => {
    dir = await writeTestConfig("rest-unit");
    const loaded = await loadRuntime(dir, configSpec);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    port = fakePort(loaded.runtime);
    app = restAdapter(port.ctx).routes;
  });
  beforeEach(() =>
    port.answer((_d, doc) => ({
      kind: "accepted",
      receipt: {
        deliveryId: "0b6f1c8e-0000-4000-8000-000000000001",
        reference: "AAAA-BBBB",
        sourceMessageId: (doc as InboundDocument).sourceMessageId ?? null,
        receivedAt: new Date(),
        state: "routed",
      },
    })),
  );
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const antrag = (id: string, headers: Record<string, string> = auth) =>
    app.request("/antrag", {
      method: "POST",
      headers,
      body: antragBody(ozgCloudForm({ transactionId: id }), [{ part: "attachment", name: "nachweis.pdf", type: "application/pdf", content: `%PDF ${id}` }]),
    });

  it("hands an /antrag delivery to the intake, attachment and form as sent, and answers 202 with the receipt", async () => {
    const res = await antrag("unit-1");
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ transactionId: "unit-1", vorgang: { vorgangId: "0b6f1c8e-0000-4000-8000-000000000001" } });
    const seen = port.seen.at(-1)!;
    expect(seen.delivery).toMatchObject({ channel: "rest", portalId: "formsolutions" });
    expect(JSON.parse(Buffer.from((seen.doc as InboundDocument).bytes).toString())).toMatchObject({ control: { transactionId: "unit-1" } });
    expect(seen.attachments.map((x) => [x.a.name, x.a.contentType, x.bytes.toString()])).toEqual([["nachweis.pdf", "application/pdf", "%PDF unit-1"]]);
  });

  it("refuses an unknown token with 401 problem+json before the intake sees anything", async () => {
    const before = port.seen.length;
    const res = await antrag("intruder", { authorization: "Bearer stolen" });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(port.seen.length).toBe(before);
  });

  it("answers the intake's refusals as problems: invalid 422 with the problems, too_large 413", async () => {
    port.answer(() => ({ kind: "invalid", problems: [{ path: "applicant.familyName", message: "required" }] }));
    const invalid = await antrag("unit-2");
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({ status: 422, errors: [{ path: "applicant.familyName", message: "required" }] });

    port.answer(() => ({ kind: "too_large", limit: 1000, what: "attachment" }));
    const large = await antrag("unit-3");
    expect(large.status).toBe(413);
    expect(large.headers.get("content-type")).toBe("application/problem+json");
  });

  it("answers an outage during the intake with 503 problem+json and Retry-After, a bug with 500", async () => {
    port.answer(() => {
      throw new OutageError("database unreachable", { retryable: true });
    });
    const outage = await antrag("unit-4");
    expect(outage.status).toBe(503);
    expect(outage.headers.get("content-type")).toBe("application/problem+json");
    expect(outage.headers.get("retry-after")).toBe("5");

    port.answer(() => {
      throw new TypeError("a bug");
    });
    const bug = await antrag("unit-5");
    expect(bug.status).toBe(500);
    expect(await bug.json()).toMatchObject({ status: 500, title: "Internal Server Error" });
  });
});
