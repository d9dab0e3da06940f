import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { sha256Hex } from "../../gateway/auth/portals.ts";

/** Tokens the console tests log in with; only their hashes go into the config. */
export const CONSOLE_TOKENS = { operator: "console-operator-token", viewer: "console-viewer-token" } as const;

const exec = promisify(execFile);

async function patchYaml(file: string, patch: (doc: Record<string, any>) => void): Promise<void> {
  const doc = parse(await readFile(file, "utf8")) as Record<string, any>;
  patch(doc);
  await writeFile(file, stringify(doc));
}

/**
 * Gives a test config directory console credentials (operator and viewer) and two certificates
 * made by openssl, one expiring in `expiringDays` and one in 400 days, named as a portal's OSCI
 * signature certificates (read by the overview; without gateway `osci` no adapter loads them).
 */
export async function prepareConsoleConfig(configDir: string, expiringDays = 10): Promise<void> {
  await mkdir(path.join(configDir, "certs"), { recursive: true });
  for (const [name, days] of [
    ["expiring", expiringDays],
    ["fresh", 400],
  ] as const) {
    await exec("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      String(days),
      "-subj",
      `/CN=${name} test certificate`,
      "-keyout",
      path.join(configDir, "certs", `${name}.key`),
      "-out",
      path.join(configDir, "certs", `${name}.pem`),
    ]);
  }
  await patchYaml(path.join(configDir, "gateway.yaml"), (doc) => {
    doc.admin = { tokenSha256: [sha256Hex(CONSOLE_TOKENS.operator)], viewerTokenSha256: [sha256Hex(CONSOLE_TOKENS.viewer)] };
  });
  await patchYaml(path.join(configDir, "portals", "serviceportal.yaml"), (doc) => {
    doc.osci = { signatureCertFiles: ["certs/expiring.pem", "certs/fresh.pem"] };
  });
}

/** Lets the Kiel tenant take the office id `unit`: what an operator changes before replaying parked deliveries. */
export async function routeOfficeToKiel(configDir: string, unit: string): Promise<void> {
  await patchYaml(path.join(configDir, "tenants", "kiel.yaml"), (doc) => {
    doc.organisationUnitIds = [...(doc.organisationUnitIds ?? []), unit];
  });
}
