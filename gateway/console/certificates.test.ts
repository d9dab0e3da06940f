import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    // As the adapters' prepare steps report them.
    const sources = [
      { use: "TLS: XTA HTTPS listener", file: "tls.pem" },
      { use: "XTA client account land", file: "xta.p12", pkcs12: { passphraseEnv: "XTA_PASS" } },
      { use: "OSCI signing key", file: "osci.p12", pkcs12: {} },
      { use: "OSCI decryption key", file: "missing.pem" },
    ];
    const now = new Date();
    const list = await certificateExpiries(sources, dir, now, { XTA_PASS: "geheim" });
    expect(list.map((c) => [c.use, c.subject, c.daysLeft])).toEqual([
      ["OSCI decryption key", undefined, undefined],
      ["TLS: XTA HTTPS listener", "CN=tls", 4],
      ["OSCI signing key", "CN=osci", 19],
      ["XTA client account land", "CN=xta", 89],
    ]);
    expect(list[0]!.error).toMatch(/ENOENT/);
    const wrongPass = await certificateExpiries(sources, dir, now, {});
    expect(wrongPass.find((c) => c.use.startsWith("XTA client"))!.error).toBeDefined();
  });
});
