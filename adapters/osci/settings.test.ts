import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadKeystore } from "./settings.ts";
import { testPki } from "../../test/support/pki.ts";

describe("OSCI keystores", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "osci-keys-"));
  const pki = testPki();
  const id = pki.issue("ozg-hub", "signature");
  writeFileSync(path.join(dir, "k.p12"), id.pkcs12("richtig"));
  writeFileSync(path.join(dir, "k.key"), id.keyPem);
  writeFileSync(path.join(dir, "k.pem"), id.certPem);
  const file = (f: string) => readFileSync(path.join(dir, f));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a PKCS#12 (passphrase from the environment) and picks the certificate of its key, not the CA", () => {
    process.env.OSCI_TEST_PASS = "richtig";
    const k = loadKeystore({ pkcs12File: "k.p12", passphraseEnv: "OSCI_TEST_PASS" }, file);
    expect(k.cert.subject).toContain("CN=ozg-hub");
    expect(k.cert.checkPrivateKey(k.key)).toBe(true);
  });

  it("reads a PEM key and certificate", () => {
    const k = loadKeystore({ keyFile: "k.key", certFile: "k.pem" }, file);
    expect(k.pem).toBe(id.certPem);
  });

  it("names the file when the passphrase is wrong", () => {
    process.env.OSCI_TEST_PASS = "falsch";
    expect(() => loadKeystore({ pkcs12File: "k.p12", passphraseEnv: "OSCI_TEST_PASS" }, file)).toThrow(/^OSCI keystore k\.p12: /);
  });
});
