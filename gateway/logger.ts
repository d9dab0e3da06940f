import { pino, type Logger } from "pino";

export type { Logger };

/**
 * Redacted everywhere: credentials in headers, config and connection strings. Log lines name
 * ids (delivery, portal, tenant), never secrets or payloads.
 */
export const REDACT_PATHS = [
  "authorization",
  "*.authorization",
  "*.headers.authorization",
  "password",
  "*.password",
  "token",
  "*.token",
  "passphrase",
  "*.passphrase",
  "url",
  "*.url",
];

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? "info",
      base: { service: "ozg-hub" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    opts.destination as pino.DestinationStream | undefined,
  );
}

/** `amqp://user:secret@host` → `amqp://user:***@host`, for messages that must name a server. */
export function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable url)";
  }
}
