import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HubConfig } from "../../gateway/index.ts";
import { configSpec } from "../index.ts";
import { testPki } from "../../test/support/pki.ts";
import { prepareXta } from "./auth.ts";

/** The client accounts' keys are read by the prepare step: problems name the file and the path in gateway.yaml. */
describe("XTA client accounts are prepared with their keys", () => {
  let dir: string;
  const account = (over: Record<string, unknown>) => ({
    id: "land",
    managementUrl: "https://xta.example/m",
    msgBoxUrl: "https://xta.example/b",
    pkcs12File: "land.p12",
    pkcs12PassphraseEnv: "XTA_LAND_PASS",
    author: "ags:01002000",
    ...over,
  });
  const configWith = (accounts: Record<string, unknown>[]): HubConfig => ({
    dir,
    gateway: configSpec.gateway.parse({ xta: { accounts } }),
    tenants: [],
    portals: [],
  });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ozg-hub-xta-accounts-"));
    const pki = testPki();
    await writeFile(path.join(dir, "land.p12"), pki.client("land").pkcs12("geheim"));
    await writeFile(path.join(dir, "ca.pem"), pki.caPem);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("reads a usable PKCS#12 and CA, and reports the PKCS#12 for the certificate expiry list", () => {
    const r = prepareXta(configWith([account({ caFile: "ca.pem" })]), { XTA_LAND_PASS: "geheim" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.settings.clientAccounts.map((a) => [a.config.id, a.pfx.length > 0, a.ca !== undefined])).toEqual([["land", true, true]]);
    expect(r.certificates).toEqual([{ use: "XTA client account land", file: "land.p12", pkcs12: { passphraseEnv: "XTA_LAND_PASS" } }]);
  });

  it("refuses a missing file, a missing CA and a wrong or unset passphrase, each at its path", () => {
    const r = prepareXta(
      configWith([
        account({ id: "gone", pkcs12File: "gone.p12" }),
        account({ id: "noca", caFile: "missing-ca.pem" }),
        account({ id: "wrong" }),
        account({ id: "unset", pkcs12PassphraseEnv: "XTA_UNSET_PASS" }),
      ]),
      { XTA_LAND_PASS: "falsch" },
    );
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual([
      expect.stringMatching(/^xta\.accounts\[0\]\.pkcs12File: cannot read gone\.p12: .*ENOENT/),
      expect.stringMatching(/^xta\.accounts\[1\]\.caFile: cannot read missing-ca\.pem: .*ENOENT/),
      expect.stringMatching(/^xta\.accounts\[2\]\.pkcs12File: unusable PKCS#12 land\.p12: /),
      expect.stringMatching(/^xta\.accounts\[3\]\.pkcs12File: unusable PKCS#12 land\.p12: .*\(environment variable XTA_UNSET_PASS is not set\)$/),
    ]);
  });
});
