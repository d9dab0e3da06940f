import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HubConfig } from "../../gateway/index.ts";
import { prepareFitConnect } from "./config.ts";
import { rsaJwk } from "./fixtures/fit-connect-server.ts";

/** A config with just what `prepareFitConnect` reads: the config directory and the tenants. */
function configWith(dir: string, fitconnect: unknown, tenant: Record<string, unknown> = {}): HubConfig {
  return {
    dir,
    tenants: [{ id: "kiel", name: "Kiel", organisationUnitIds: ["9030229"], xtaReaders: [], subscribers: [], fitconnect, ...tenant }],
  } as unknown as HubConfig;
}

describe("FIT-Connect destinations are checked at load", () => {
  let dir: string;
  const destination = (over: Record<string, unknown> = {}) => ({
    id: "4a9f1c2e-5b7d-4e3f-8a1b-2c3d4e5f6a7b",
    apiUrl: "https://fit-connect.example/v1",
    tokenUrl: "https://auth.example/token",
    clientId: "kiel",
    clientSecretEnv: "FC_SECRET",
    decryptionKeyFile: "dec.json",
    signingKeyFile: "sig.json",
    ...over,
  });
  const env = { FC_SECRET: "s" };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ozg-hub-fitconnect-"));
    await writeFile(path.join(dir, "dec.json"), JSON.stringify(rsaJwk("encryption").privateJwk));
    await writeFile(path.join(dir, "sig.json"), JSON.stringify(rsaJwk("signature").privateJwk));
    await writeFile(path.join(dir, "small.json"), JSON.stringify(rsaJwk("encryption", 2048).privateJwk));
    const wrongOps = rsaJwk("encryption").privateJwk;
    await writeFile(path.join(dir, "wrong-ops.json"), JSON.stringify({ ...wrongOps, key_ops: ["sign"] }));
    await writeFile(path.join(dir, "two-ops.json"), JSON.stringify({ ...rsaJwk("encryption").privateJwk, key_ops: ["unwrapKey", "sign"] }));
    await writeFile(path.join(dir, "small-sig.json"), JSON.stringify(rsaJwk("signature", 2048).privateJwk));
    const { d: _d, ...publicOnly } = rsaJwk("signature").privateJwk;
    await writeFile(path.join(dir, "public.json"), JSON.stringify(publicOnly));
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("loads a destination with its keys and the tenant's routing address", async () => {
    const r = await prepareFitConnect(configWith(dir, { destinations: [destination()] }), env);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.settings.map((d) => [d.tenantId, d.recipient, d.config.portal])).toEqual([["kiel", { organisationUnitId: "9030229" }, "fitconnect"]]);
  });

  it("names each problem with file and path instead of throwing", async () => {
    const r = await prepareFitConnect(
      configWith(dir, {
        destinations: [
          destination({ decryptionKeyFile: "small.json" }),
          destination({ decryptionKeyFile: "wrong-ops.json", signingKeyFile: "public.json", clientSecretEnv: "UNSET" }),
          destination({ decryptionKeyFile: "missing.json", id: "not-a-uuid" }),
        ],
      }),
      env,
    );
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems.map((p) => `${p.file} ${p.path}: ${p.message}`);
    expect(problems).toEqual(["tenants/kiel fitconnect.destinations[2].id: Invalid UUID"]);
    const v2 = await prepareFitConnect(
      configWith(dir, { destinations: [destination({ apiUrl: "https://test.fit-connect.fitko.dev/submission-api/v2" })] }),
      env,
    );
    expect(v2.ok ? [] : v2.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "fitconnect.destinations[0].apiUrl: the Submission API base URL must end in /v1 (ozg-hub speaks Submission API v1; v2 is not supported)",
    ]);
    const second = await prepareFitConnect(
      configWith(dir, {
        destinations: [
          destination({ decryptionKeyFile: "small.json" }),
          destination({
            id: "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
            decryptionKeyFile: "wrong-ops.json",
            signingKeyFile: "public.json",
            clientSecretEnv: "UNSET",
          }),
          destination({ id: "2b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", decryptionKeyFile: "missing.json" }),
        ],
      }),
      env,
    );
    const messages = second.ok ? [] : second.problems.map((p) => `${p.path}: ${p.message}`);
    expect(messages).toHaveLength(5);
    expect(messages[0]).toMatch(/^fitconnect\.destinations\[0\]\.decryptionKeyFile: small\.json: RSA key of 2048 bit, FIT-Connect requires at least 4096$/);
    expect(messages[1]).toBe("fitconnect.destinations[1].clientSecretEnv: environment variable UNSET is not set");
    expect(messages[2]).toMatch(/destinations\[1\]\.decryptionKeyFile: wrong-ops\.json: key_ops must contain "unwrapKey"/);
    expect(messages[3]).toMatch(/destinations\[1\]\.signingKeyFile: public\.json: not a private RSA JWK/);
    expect(messages[4]).toMatch(/destinations\[2\]\.decryptionKeyFile: cannot read a JWK from missing\.json/);
  });

  it("refuses keys FIT-Connect would not take: a small signing key, a key for two purposes, one key pair for both", async () => {
    const r = await prepareFitConnect(
      configWith(dir, {
        destinations: [
          destination({ signingKeyFile: "small-sig.json" }),
          destination({ id: "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", decryptionKeyFile: "two-ops.json" }),
          destination({ id: "2b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", signingKeyFile: "dec.json" }),
        ],
      }),
      env,
    );
    const messages = r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
    expect(messages).toEqual([
      "fitconnect.destinations[0].signingKeyFile: small-sig.json: RSA key of 2048 bit, FIT-Connect requires at least 4096",
      'fitconnect.destinations[1].decryptionKeyFile: two-ops.json: key_ops must not contain "sign" (a key for unwrapKey only)',
      'fitconnect.destinations[2].signingKeyFile: dec.json: key_ops must contain "sign"',
    ]);
    // The same key pair in both places, each with the operations of its role.
    const both = rsaJwk("encryption").privateJwk;
    await writeFile(path.join(dir, "both-dec.json"), JSON.stringify(both));
    await writeFile(path.join(dir, "both-sig.json"), JSON.stringify({ ...both, alg: "PS512", key_ops: ["sign"] }));
    const same = await prepareFitConnect(
      configWith(dir, { destinations: [destination({ decryptionKeyFile: "both-dec.json", signingKeyFile: "both-sig.json" })] }),
      env,
    );
    expect(same.ok ? [] : same.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "fitconnect.destinations[0].signingKeyFile: the signing key is the decryption key; FIT-Connect needs two key pairs",
    ]);
  });

  it("loads earlier decryption keys with their thumbprints, and checks them as the current one", async () => {
    await writeFile(path.join(dir, "dec-old.json"), JSON.stringify(rsaJwk("encryption").privateJwk));
    const r = await prepareFitConnect(configWith(dir, { destinations: [destination({ previousDecryptionKeyFiles: ["dec-old.json"] })] }), env);
    expect(r.ok).toBe(true);
    const keys = r.ok ? r.settings[0]!.decryptionKeys : [];
    expect(keys.map((k) => k.kid)).toEqual([
      JSON.parse(await readFile(path.join(dir, "dec.json"), "utf8")).kid,
      JSON.parse(await readFile(path.join(dir, "dec-old.json"), "utf8")).kid,
    ]);
    expect(keys.every((k) => /^[A-Za-z0-9_-]{43}$/.test(k.thumbprint))).toBe(true);
    const bad = await prepareFitConnect(configWith(dir, { destinations: [destination({ previousDecryptionKeyFiles: ["dec-old.json", "small.json"] })] }), env);
    expect(bad.ok ? [] : bad.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "fitconnect.destinations[0].previousDecryptionKeyFiles[1]: small.json: RSA key of 2048 bit, FIT-Connect requires at least 4096",
    ]);
  });

  it("refuses a destination that two tenants claim, and a tenant without a routing address", async () => {
    const r = await prepareFitConnect(configWith(dir, { destinations: [destination(), destination()] }, { organisationUnitIds: [] }), env);
    const messages = r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
    expect(messages).toEqual([
      "fitconnect: the tenant needs an organisationUnitId, xtaReader, ars or ags to route its FIT-Connect submissions",
      "fitconnect.destinations[1].id: destination 4a9f1c2e-5b7d-4e3f-8a1b-2c3d4e5f6a7b is already configured for tenant kiel",
    ]);
  });
});
