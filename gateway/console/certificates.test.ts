import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewaySchema } from "../config/schema.ts";
import { certificateExpiries } from "./certificates.ts";

const exec = promisify(execFile);

/** Certificates made by openssl, not by ozg-hub: a PEM for TLS and PKCS#12 files for XTA and OSCI. */
describe("certificate expiry of the configured keys", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ozg-hub-certs-"));
    const cert = async (name: string, days: number) =>
      exec("openssl", [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        String(days),
        "-subj",
        `/CN=${name}`,
        "-keyout",
        path.join(dir, `${name}.key`),
        "-out",
        path.join(dir, `${name}.pem`),
      ]);
    await cert("tls", 5);
    await cert("xta", 90);
    await cert("osci", 20);
    for (const [name, pass] of [
      ["xta", "geheim"],
      ["osci", ""],
    ] as const) {
      await exec("openssl", [
        "pkcs12",
        "-export",
        "-in",
        path.join(dir, `${name}.pem`),
        "-inkey",
        path.join(dir, `${name}.key`),
        "-out",
        path.join(dir, `${name}.p12`),
        "-passout",
        `pass:${pass}`,
        "-certpbe",
        "PBE-SHA1-3DES",
        "-keypbe",
        "PBE-SHA1-3DES",
        "-macalg",
        "sha1",
      ]);
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads PEM and PKCS#12 (with the passphrase from the environment), soonest first, and names unreadable files", async () => {
    const gateway = gatewaySchema.parse({
      xta: {
        https: { port: 8443, keyFile: "tls.key", certFile: "tls.pem" },
        accounts: [
          { id: "land", managementUrl: "https://x/m", msgBoxUrl: "https://x/b", pkcs12File: "xta.p12", pkcs12PassphraseEnv: "XTA_PASS", author: "ags:1" },
        ],
      },
      osci: { signing: { pkcs12File: "osci.p12" }, decryption: { keyFile: "missing.key", certFile: "missing.pem" } },
    });
    const now = new Date();
    const list = await certificateExpiries({ dir, gateway, tenants: [], portals: [] }, now, { XTA_PASS: "geheim" });
    expect(list.map((c) => [c.use, c.subject, c.daysLeft])).toEqual([
      ["OSCI decryption key", undefined, undefined],
      ["TLS: XTA HTTPS listener", "CN=tls", 4],
      ["OSCI signing key", "CN=osci", 19],
      ["XTA client account land", "CN=xta", 89],
    ]);
    expect(list[0]!.error).toMatch(/ENOENT/);
    const wrongPass = await certificateExpiries({ dir, gateway, tenants: [], portals: [] }, now, {});
    expect(wrongPass.find((c) => c.use.startsWith("XTA client"))!.error).toBeDefined();
  });
});
