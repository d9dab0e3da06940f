import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex, type StoredAttachment } from "../../gateway/index.ts";
import { loadRuntime } from "../../gateway/runtime.ts";
import { configSpec } from "../index.ts";
import { writeTestConfig } from "../../test/support/config.ts";
import { fakePort } from "../../test/support/fake-port.ts";
import { restAdapter } from "./index.ts";

const KIEL_TOKEN = "kiel-system-token";
const ATTACHMENT = "0b6f1c8e-0000-4000-8000-00000000a001";
const DELIVERY = "0b6f1c8e-0000-4000-8000-00000000d001";
const hex = (s: string) => sha256Hex(Buffer.from(s));

/**
 * The tenant's downloads in-process: the stored records come from the port (faked here), the
 * REST adapter adds authentication, headers and streaming. No Postgres, no RabbitMQ.
 */
describe("REST downloads of stored records against a fake port", () => {
  let dir: string;
  let app: ReturnType<typeof restAdapter>["routes"];
  const asked: string[] = [];

  beforeAll(async () => {
    dir = await writeTestConfig("rest-records");
    const kiel = path.join(dir, "tenants/kiel.yaml");
    const doc = parse(await readFile(kiel, "utf8")) as Record<string, unknown>;
    await writeFile(kiel, stringify({ ...doc, api: { tokenSha256: [sha256Hex(KIEL_TOKEN)] } }));
    const loaded = await loadRuntime(dir, configSpec);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const port = fakePort(loaded.runtime, {
      async attachment(id, tenantId): Promise<StoredAttachment | undefined> {
        asked.push(`attachment ${id} for ${tenantId}`);
        if (id !== ATTACHMENT || tenantId !== "kiel") return undefined;
        return {
          name: "Nachweis Größe.pdf",
          contentType: "application/pdf",
          size: 8,
          sha256: hex("%PDF1234"),
          async *slices() {
            yield Buffer.from("%PDF");
            yield Buffer.from("1234");
          },
        };
      },
      async originalDocument(id, tenantId) {
        asked.push(`document ${id} for ${tenantId}`);
        return id === DELIVERY && tenantId === "kiel" ? { bytes: Buffer.from("<a/>"), contentType: "application/xml", sha256: hex("<a/>") } : undefined;
      },
    });
    app = restAdapter(port.ctx).routes;
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const get = (url: string, token = KIEL_TOKEN) => app.request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it("streams an attachment slice by slice to its tenant, with length, digest and file name", async () => {
    const res = await get(`/api/v1/attachments/${ATTACHMENT}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("%PDF1234");
    expect(res.headers.get("content-length")).toBe("8");
    expect(res.headers.get("repr-digest")).toBe(`sha-256=:${Buffer.from(hex("%PDF1234"), "hex").toString("base64")}:`);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename*=UTF-8''${encodeURIComponent("Nachweis Größe.pdf")}`);
    expect(asked.at(-1)).toBe(`attachment ${ATTACHMENT} for kiel`);
  });

  it("serves the original document to its tenant", async () => {
    const res = await get(`/api/v1/deliveries/${DELIVERY}/document`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/xml");
    expect(await res.text()).toBe("<a/>");
  });

  it("answers 401 without the tenant's token and 404 for unknown or malformed ids, asking the store only for well-formed ones", async () => {
    const before = asked.length;
    expect((await get(`/api/v1/attachments/${ATTACHMENT}`, "")).status).toBe(401);
    expect((await get(`/api/v1/attachments/${ATTACHMENT}`, "formsolutions-dev-token")).status).toBe(401);
    expect((await get("/api/v1/attachments/not-a-uuid")).status).toBe(404);
    expect(asked.length).toBe(before);
    const unknown = await get(`/api/v1/deliveries/${ATTACHMENT}/document`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(asked.slice(before)).toEqual([`document ${ATTACHMENT} for kiel`]);
  });
});
