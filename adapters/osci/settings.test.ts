import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { HubConfig } from "../../gateway/index.ts";
import { osciGatewaySchema, osciPortalSchema } from "./config.ts";
import { loadKeystore, prepareOsci } from "./settings.ts";
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

describe("a portal's OSCI reply Intermediär in the config", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "osci-reply-"));
  const pki = testPki();
  const own = pki.issue("ozg-hub", "signature");
  const files = {
    "own.key": own.keyPem,
    "own.pem": own.certPem,
    "i-enc.pem": pki.issue("intermediaer", "cipher").certPem,
    "i-sig.pem": pki.issue("intermediaer", "signature").certPem,
    "p-enc.pem": pki.issue("portal", "cipher").certPem,
  };
  for (const [f, pem] of Object.entries(files)) writeFileSync(path.join(dir, f), pem);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const configWith = (osci: Record<string, unknown>) =>
    ({
      dir,
      gateway: { osci: osciGatewaySchema.parse({ signing: { keyFile: "own.key", certFile: "own.pem" } }) },
      portals: [{ id: "p", channels: ["osci"], osci: osciPortalSchema.parse({ signatureCertFiles: ["i-sig.pem"], ...osci }) }],
      tenants: [],
    }) as unknown as HubConfig;
  const reply = { url: "https://intermediaer.example/osci", cipherCertFile: "i-enc.pem", signatureCertFiles: ["i-sig.pem"] };

  it("reads the Intermediär's certificates; the addressee is the portal's cipher certificate unless named", () => {
    const prepared = prepareOsci(configWith({ cipherCertFile: "p-enc.pem", replyIntermediary: reply }));
    expect(prepared.ok).toBe(true);
    const r = prepared.ok ? prepared.settings!.portals[0]!.reply : undefined;
    expect(r).toMatchObject({
      url: reply.url,
      cipherCert: files["i-enc.pem"],
      addresseeCipherCert: files["p-enc.pem"],
      subject: "Statusmeldung",
      timeoutMs: 30_000,
    });
    expect(r!.certs.map((c) => c.subject)).toEqual([expect.stringContaining("CN=intermediaer")]);
    const named = prepareOsci(configWith({ cipherCertFile: "p-enc.pem", replyIntermediary: { ...reply, addresseeCipherCertFile: "i-enc.pem" } }));
    expect(named.ok && named.settings!.portals[0]!.reply!.addresseeCipherCert).toBe(files["i-enc.pem"]);
  });

  it("without an addressee certificate, or with a missing file, the config is refused with the place named", () => {
    const none = prepareOsci(configWith({ replyIntermediary: reply }));
    expect(none.ok).toBe(false);
    expect(!none.ok && none.problems).toEqual([expect.objectContaining({ file: "portals/p", path: "osci.replyIntermediary.addresseeCipherCertFile" })]);
    const missing = prepareOsci(configWith({ cipherCertFile: "p-enc.pem", replyIntermediary: { ...reply, cipherCertFile: "nowhere.pem" } }));
    expect(!missing.ok && missing.problems).toEqual([
      expect.objectContaining({ path: "osci.replyIntermediary.cipherCertFile", message: expect.stringContaining("nowhere.pem") }),
    ]);
  });
});
