import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createSecureContext } from "node:tls";
import { messageOf, problemInGateway, type ConfigProblem, type HubConfig } from "../../gateway/index.ts";
import type { XtaAccountConfig } from "./config.ts";

/** An external XTA account ready to poll: its PKCS#12 and CA read and checked. */
export interface ReadyAccount {
  config: XtaAccountConfig;
  pfx: Buffer;
  passphrase: string | undefined;
  ca: Buffer | undefined;
  /** Changes when the config or a key file does: a reload that renews the certificate restarts the poller. */
  key: string;
}

/**
 * Reads and opens the PKCS#12 (with its passphrase) and CA of every client account in gateway.yaml
 * `xta.accounts`, so that an unreadable file or a wrong passphrase is a config problem at start,
 * reload and `config check`, not a failing poll.
 */
export function readAccounts(config: HubConfig, accounts: readonly XtaAccountConfig[], env: NodeJS.ProcessEnv = process.env) {
  const problems: ConfigProblem[] = [];
  const ready: ReadyAccount[] = [];
  accounts.forEach((a, i) => {
    const read = (field: "pkcs12File" | "caFile", file: string) => {
      try {
        return readFileSync(path.resolve(config.dir, file));
      } catch (err) {
        problems.push(problemInGateway(config, ["xta", "accounts", i, field], `cannot read ${file}: ${messageOf(err)}`));
        return undefined;
      }
    };
    const pfx = read("pkcs12File", a.pkcs12File);
    const ca = a.caFile ? read("caFile", a.caFile) : undefined;
    if (!pfx || (a.caFile && !ca)) return;
    const passphrase = a.pkcs12PassphraseEnv ? env[a.pkcs12PassphraseEnv] : undefined;
    try {
      createSecureContext({ pfx, passphrase, ca });
    } catch (err) {
      const hint = a.pkcs12PassphraseEnv && passphrase === undefined ? ` (environment variable ${a.pkcs12PassphraseEnv} is not set)` : "";
      problems.push(problemInGateway(config, ["xta", "accounts", i, "pkcs12File"], `unusable PKCS#12 ${a.pkcs12File}: ${messageOf(err)}${hint}`));
      return;
    }
    const digest = createHash("sha256")
      .update(pfx)
      .update(ca ?? "")
      .update(passphrase ?? "")
      .digest("hex");
    ready.push({ config: a, pfx, passphrase, ca, key: `${JSON.stringify(a)} ${digest}` });
  });
  return { problems, ready };
}
