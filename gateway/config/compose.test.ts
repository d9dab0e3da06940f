import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { composeConfigSpec } from "./compose.ts";
import { loadConfig } from "./load.ts";

// The core composes whatever sections it is handed: a made-up adapter here, none of the real ones.
const sftp = {
  portal: z.object({ certificateSha256: z.array(z.string()).min(1), folder: z.string() }).strict(),
  clientCertificates: { field: "certificateSha256", of: (s: { certificateSha256: string[] }) => s.certificateSha256 },
};
const spec = composeConfigSpec({ sftp, mail: {} }, { defaultChannels: ["mail"] });

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function configDir(portals: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "ozg-hub-compose-"));
  dirs.push(dir);
  await mkdir(path.join(dir, "tenants"));
  await mkdir(path.join(dir, "portals"));
  await writeFile(path.join(dir, "gateway.yaml"), "instance: compose-test\n");
  await writeFile(path.join(dir, "tenants/kiel.yaml"), "id: kiel\nname: Kiel\nags: '01002000'\nsubscribers: [{ id: dms }]\n");
  for (const [id, text] of Object.entries(portals)) await writeFile(path.join(dir, `portals/${id}.yaml`), `id: ${id}\nname: ${id}\n${text}`);
  return dir;
}

describe("the config spec composed of the sections it is handed", () => {
  const fp = "ab".repeat(32);

  it("reads a registered adapter's section, defaults the channels and refuses channels not registered", async () => {
    const ok = await loadConfig(await configDir({ p1: `sftp: { certificateSha256: [${fp}], folder: in }\n` }), spec);
    expect(ok.ok && ok.config.portals[0]).toMatchObject({ channels: ["mail"], sftp: { folder: "in" } });
    expect(spec.clientCertificates(ok.ok ? ok.config.portals[0]! : ({} as never))).toEqual([{ channel: "sftp", at: "sftp.certificateSha256[0]", sha256: fp }]);

    const bad = await loadConfig(await configDir({ p1: "channels: [rest]\nxta: {}\n" }), spec);
    expect(bad.ok ? [] : bad.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'channels[0]: Invalid option: expected one of "sftp"|"mail"',
      'xta: unknown key "xta"',
    ]);
  });

  it("lets one portal only pin a client certificate", async () => {
    const section = `sftp: { certificateSha256: [${fp}], folder: in }\n`;
    const r = await loadConfig(await configDir({ p1: section, p2: section }), spec);
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems).toEqual([
      {
        file: expect.stringMatching(/portals\/p2\.yaml$/),
        path: "sftp.certificateSha256[0]",
        message: expect.stringMatching(/^this SFTP client certificate is already used in .*p1\.yaml$/),
      },
    ]);
  });
});
