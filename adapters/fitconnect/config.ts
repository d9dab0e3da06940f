import { readFile } from "node:fs/promises";
import path from "node:path";
import { calculateJwkThumbprint, importJWK, type CryptoKey, type JWK } from "jose";
import { z } from "zod";
import { formatPath, type ConfigProblem, type HubConfig, type Prepared, type TenantConfig } from "../../gateway/index.ts";
import type { DecryptionKey } from "./crypto.ts";

export { destinationSchema, fitConnectTenantSchema } from "./sections.ts";
import { destinationSchema, fitConnectTenantSchema } from "./sections.ts";

export type DestinationConfig = z.infer<typeof destinationSchema>;

/** A destination ready to use: its keys loaded and checked, its tenant's routing address fixed. */
export interface Destination {
  config: DestinationConfig;
  tenantId: string;
  /** The transport address under which the core routes the destination's submissions to its tenant. */
  recipient: { organisationUnitId?: string; xtaReader?: string; ars?: string; ags?: string };
  clientSecret: string;
  callbackSecret: string | undefined;
  /** The current decryption key first, then the previous ones the destination still holds. */
  decryptionKeys: DecryptionKey[];
  decryptionKid: string;
  signingKey: CryptoKey;
  signingKid: string;
  /** The public half of the signing key: our own events in the case log are verified with it. */
  verifyKey: CryptoKey;
}

/**
 * Reads every tenant's `fitconnect` block, loads the keys and checks them: private RSA JWKs of at
 * least 4096 bit with a kid, the key operations FIT-Connect prescribes (`unwrapKey` for the
 * decryption key, `sign` for the signing key, nothing else), `alg` and `use` if given, two
 * different key pairs; secrets present in the environment, each destination configured once.
 * Problems are returned, never thrown.
 */
export async function prepareFitConnect(config: HubConfig, env: NodeJS.ProcessEnv = process.env): Promise<Prepared<Destination[]>> {
  const problems: ConfigProblem[] = [];
  const destinations: Destination[] = [];
  const seen = new Map<string, string>();
  for (const tenant of config.tenants) {
    const raw = (tenant as TenantConfig & { fitconnect?: unknown }).fitconnect;
    if (raw === undefined) continue;
    const file = `tenants/${tenant.id}`;
    const parsed = fitConnectTenantSchema.safeParse(raw);
    if (!parsed.success) {
      for (const i of parsed.error.issues) problems.push({ file, path: formatPath(["fitconnect", ...i.path]), message: i.message });
      continue;
    }
    const recipient = tenantAddress(tenant);
    if (!recipient)
      problems.push({
        file,
        path: "fitconnect",
        message: "the tenant needs an organisationUnitId, xtaReader, ars or ags to route its FIT-Connect submissions",
      });
    for (const [i, d] of parsed.data.destinations.entries()) {
      const at = (p: string) => `fitconnect.destinations[${i}]${p}`;
      const other = seen.get(d.id);
      if (other) problems.push({ file, path: at(".id"), message: `destination ${d.id} is already configured for tenant ${other}` });
      seen.set(d.id, tenant.id);
      const clientSecret = env[d.clientSecretEnv];
      if (!clientSecret) problems.push({ file, path: at(".clientSecretEnv"), message: `environment variable ${d.clientSecretEnv} is not set` });
      const callbackSecret = d.callbackSecretEnv ? env[d.callbackSecretEnv] : undefined;
      if (d.callbackSecretEnv && !callbackSecret)
        problems.push({ file, path: at(".callbackSecretEnv"), message: `environment variable ${d.callbackSecretEnv} is not set` });
      const dec = await loadKey(config.dir, d.decryptionKeyFile, "unwrapKey", "RSA-OAEP-256");
      if (!dec.ok) problems.push({ file, path: at(".decryptionKeyFile"), message: dec.message });
      const previous: Loaded[] = [];
      for (const [j, f] of d.previousDecryptionKeyFiles.entries()) {
        const p = await loadKey(config.dir, f, "unwrapKey", "RSA-OAEP-256");
        if (!p.ok) problems.push({ file, path: at(`.previousDecryptionKeyFiles[${j}]`), message: p.message });
        previous.push(p);
      }
      const sig = await loadKey(config.dir, d.signingKeyFile, "sign", "PS512");
      if (!sig.ok) problems.push({ file, path: at(".signingKeyFile"), message: sig.message });
      if (dec.ok && sig.ok && dec.modulus === sig.modulus)
        problems.push({ file, path: at(".signingKeyFile"), message: "the signing key is the decryption key; FIT-Connect needs two key pairs" });
      const held = [dec, ...previous].flatMap((k) => (k.ok ? [{ kid: k.kid, thumbprint: k.thumbprint, key: k.key }] : []));
      if (dec.ok && sig.ok && clientSecret && recipient && held.length === previous.length + 1) {
        destinations.push({
          config: d,
          tenantId: tenant.id,
          recipient,
          clientSecret,
          callbackSecret,
          decryptionKeys: held,
          decryptionKid: dec.kid,
          signingKey: sig.key,
          signingKid: sig.kid,
          verifyKey: sig.publicKey,
        });
      }
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings: destinations };
}

function tenantAddress(t: TenantConfig): Destination["recipient"] | undefined {
  if (t.organisationUnitIds[0]) return { organisationUnitId: t.organisationUnitIds[0] };
  if (t.xtaReaders[0]) return { xtaReader: t.xtaReaders[0] };
  if (t.ars) return { ars: t.ars };
  if (t.ags) return { ags: t.ags };
  return undefined;
}

type Loaded = { ok: true; key: CryptoKey; publicKey: CryptoKey; kid: string; thumbprint: string; modulus: string } | { ok: false; message: string };

/** Loads a private RSA JWK and checks it against what FIT-Connect requires of its use. */
async function loadKey(dir: string, file: string, op: "unwrapKey" | "sign", alg: "RSA-OAEP-256" | "PS512"): Promise<Loaded> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(await readFile(path.resolve(dir, file), "utf8")) as JWK;
  } catch (err) {
    return { ok: false, message: `cannot read a JWK from ${file}: ${(err as Error).message}` };
  }
  if (jwk.kty !== "RSA" || !jwk.n || !jwk.d) return { ok: false, message: `${file}: not a private RSA JWK` };
  const bits = Buffer.from(jwk.n, "base64url").byteLength * 8;
  if (bits < 4096) return { ok: false, message: `${file}: RSA key of ${bits} bit, FIT-Connect requires at least 4096` };
  if (!jwk.kid) return { ok: false, message: `${file}: the JWK has no kid` };
  if (!jwk.key_ops?.includes(op)) return { ok: false, message: `${file}: key_ops must contain "${op}"` };
  // One key, one purpose: a decryption key that also signs (or the reverse) is refused.
  const allowed = op === "sign" ? ["sign"] : ["unwrapKey", "decrypt"];
  const extra = jwk.key_ops.filter((o) => !allowed.includes(o));
  if (extra.length > 0) return { ok: false, message: `${file}: key_ops must not contain ${extra.map((o) => `"${o}"`).join(", ")} (a key for ${op} only)` };
  const use = op === "sign" ? "sig" : "enc";
  if (jwk.use !== undefined && jwk.use !== use) return { ok: false, message: `${file}: use is "${jwk.use}", expected "${use}"` };
  if (jwk.alg && jwk.alg !== alg) return { ok: false, message: `${file}: alg is ${jwk.alg}, expected ${alg}` };
  try {
    // WebCrypto checks key_ops against the usage, so the import names the operation it is for.
    const key = (await importJWK({ ...jwk, key_ops: op === "sign" ? ["sign"] : ["unwrapKey", "decrypt"] }, alg)) as CryptoKey;
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
    const publicKey = (await importJWK({ ...pub, key_ops: op === "sign" ? ["verify"] : ["wrapKey", "encrypt"] }, alg)) as CryptoKey;
    return { ok: true, key, publicKey, kid: jwk.kid, thumbprint: await calculateJwkThumbprint(pub, "sha256"), modulus: jwk.n };
  } catch (err) {
    return { ok: false, message: `${file}: ${(err as Error).message}` };
  }
}
