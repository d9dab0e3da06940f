import { appendFile, mkdtemp, readFile, rm, writeFile, cp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { REPO } from "../test/support/config.ts";
import { configCheck } from "./config-check.ts";

/** Runs `config check` on a directory and returns its exit code and printed lines. */
async function check(dir: string) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((s: string) => void out.push(s));
  const error = vi.spyOn(console, "error").mockImplementation((s: string) => void err.push(s));
  try {
    return { code: await configCheck(dir), out, err };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe("ozg-hub config check", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  async function copyOfSample(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), "ozg-hub-check-"));
    dirs.push(dir);
    await cp(path.join(REPO, "config"), dir, { recursive: true });
    await writeFile(path.join(dir, "gateway.yaml"), `mappings: ${path.join(REPO, "mappings")}\n`);
    return dir;
  }

  it("accepts the sample configuration", async () => {
    const r = await check(path.join(REPO, "config"));
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^ok: 2 tenants, 4 subscribers, \d+ portals, \d+ mappings$/);
  });

  it("prints every problem with file, line and path, and exits non-zero", async () => {
    const dir = await copyOfSample();
    await writeFile(
      path.join(dir, "tenants", "kiel.yaml"),
      ["id: kiel", "name: Kiel", 'ags: "1002000"', "subscribers:", "  - id: gewerbe", "    filter:", '      leikaKeys: ["9905"]', "    colour: blue", ""].join(
        "\n",
      ),
    );
    await writeFile(path.join(dir, "portals", "second.yaml"), "id: formsolutions\nname: again\ntenants: [nowhere]\n");
    await writeFile(path.join(dir, "gateway.yaml"), `mappings: ${path.join(REPO, "mappings")}\nlimits:\n  documentBytes: ten megabytes\n`);
    const r = await check(dir);
    expect(r.code).toBe(1);
    const lines = r.err.join("\n");
    expect(lines).toMatch(/gateway\.yaml:3 limits\.documentBytes: expected a byte size like 40MB/);
    expect(lines).toMatch(/tenants\/kiel\.yaml:3 ags: an 8-digit Amtlicher Gemeindeschlüssel/);
    expect(lines).toMatch(/tenants\/kiel\.yaml:7 subscribers\[0\]\.filter\.leikaKeys\[0\]: a 14-digit LeiKa key/);
    expect(lines).toMatch(/tenants\/kiel\.yaml:8 subscribers\[0\]\.colour: unknown key "colour"/);
    expect(lines).toMatch(/portals\/second\.yaml id: portal id "formsolutions" is already used in .*portals\/formsolutions\.yaml/);
    expect(lines).toMatch(/portals\/second\.yaml tenants\[0\]: unknown tenant "nowhere"/);
    expect(r.err[r.err.length - 1]).toMatch(/^\d+ problems in /);
  });

  it("gives an unknown top-level key the line it is written on, also in the first line of a file", async () => {
    const dir = await copyOfSample();
    const kiel = path.join(dir, "tenants", "kiel.yaml");
    await writeFile(kiel, `colour: blue\n${(await readFile(kiel, "utf8")).replace(/^#.*\n/gm, "")}`);
    await appendFile(path.join(dir, "gateway.yaml"), "instance: x\nshade: grey\n");
    const r = await check(dir);
    expect(r.code).toBe(1);
    expect(r.err).toContainEqual(expect.stringMatching(/tenants\/kiel\.yaml:1 colour: unknown key "colour"$/));
    expect(r.err).toContainEqual(expect.stringMatching(/gateway\.yaml:3 shade: unknown key "shade"$/));
  });

  it("names a directory outside the working directory by its absolute path", async () => {
    const missing = path.join(tmpdir(), "ozg-hub-check-nowhere", "config");
    const r = await check(missing);
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(new RegExp(`^${path.join(missing, "gateway.yaml")} \\(root\\): cannot read`));
    expect(r.err.join("\n")).not.toContain("../");
  });

  it("says how to point a copied config at the shipped mappings when ../mappings is not there", async () => {
    const dir = await copyOfSample();
    await writeFile(path.join(dir, "gateway.yaml"), "instance: copied\nmappings: ../mappings\n");
    const r = await check(dir);
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe(
      `${path.join(dir, "gateway.yaml")}:2 mappings: mappings: "../mappings" (relative to ${dir}) is ${path.resolve(dir, "../mappings")}, which does not exist: ` +
        `set mappings: in gateway.yaml to the directory that holds your mapping folders; the mappings that ship with ozg-hub are in ${path.join(REPO, "mappings")}`,
    );
  });

  it("runs every adapter's prepare step: unreadable keys and certificates are problems with file and path", async () => {
    const dir = await copyOfSample();
    await writeFile(
      path.join(dir, "gateway.yaml"),
      [
        `mappings: ${path.join(REPO, "mappings")}`,
        "rest:",
        "  https:",
        "    port: 8443",
        "    keyFile: tls/missing.key",
        "    certFile: tls/missing.pem",
        "",
      ].join("\n"),
    );
    await appendFile(
      path.join(dir, "tenants", "kiel.yaml"),
      [
        "fitconnect:",
        "  destinations:",
        "    - id: 4a9f1c2e-5b7d-4e3f-8a1b-2c3d4e5f6a7b",
        "      apiUrl: https://fit-connect.example/v1",
        "      tokenUrl: https://auth.example/token",
        "      clientId: kiel",
        "      clientSecretEnv: OZG_HUB_CHECK_UNSET_SECRET",
        "      decryptionKeyFile: fitconnect/missing-dec.jwk.json",
        "      signingKeyFile: fitconnect/missing-sig.jwk.json",
        "",
      ].join("\n"),
    );
    const r = await check(dir);
    expect(r.code).toBe(1);
    const lines = r.err.join("\n");
    expect(lines).toMatch(/gateway\.yaml:5 rest\.https\.keyFile: cannot read tls\/missing\.key/);
    expect(lines).toMatch(/tenants\/kiel fitconnect\.destinations\[0\]\.clientSecretEnv: environment variable OZG_HUB_CHECK_UNSET_SECRET is not set/);
    expect(lines).toMatch(/tenants\/kiel fitconnect\.destinations\[0\]\.decryptionKeyFile: cannot read a JWK from fitconnect\/missing-dec\.jwk\.json/);
    expect(r.out).toEqual([]);
  });
});
