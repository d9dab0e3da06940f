import { importJWK, type CryptoKey, type JWK } from "jose";
import { OutageError } from "../../gateway/index.ts";

export interface SubmissionRef {
  destinationId: string;
  submissionId: string;
  caseId: string;
}

/** `GET /submissions/{id}` as the Submission API answers a subscriber. */
export interface Submission extends SubmissionRef {
  encryptedMetadata?: string;
  encryptedData?: string;
  /** Ids of the announced attachments. */
  attachments?: string[];
  serviceType?: { name?: string; identifier?: string };
}

export interface FitConnectClient {
  /** One page of submissions ready for pickup at the destination. */
  listSubmissions(offset: number, limit: number): Promise<{ submissions: SubmissionRef[]; totalCount: number }>;
  getSubmission(id: string): Promise<Submission>;
  getAttachment(submissionId: string, attachmentId: string): Promise<string>;
  /** The case's event log: SETs in compact serialisation, oldest first. */
  eventLog(caseId: string): Promise<string[]>;
  postEvent(caseId: string, token: string): Promise<void>;
  /** The platform's signing keys (JWKS), for its own events in the log. */
  platformKey(kid: string): Promise<CryptoKey | undefined>;
  /** Starts a reply on a case, announcing its attachments: `POST /replies` → the reply's id. */
  createReply(caseId: string, announcedAttachments: string[], signal?: AbortSignal): Promise<{ replyId: string }>;
  /** `PUT /replies/{replyId}/attachments/{attachmentId}` with one compact JWE. */
  uploadReplyAttachment(replyId: string, attachmentId: string, jwe: string, signal?: AbortSignal): Promise<void>;
  /** `PUT /replies/{replyId}` with the encrypted metadata and data: the reply goes to the sender. */
  submitReply(replyId: string, body: { encryptedMetadata: string; encryptedData: string }, signal?: AbortSignal): Promise<void>;
}

interface ClientOptions {
  apiUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  destinationId: string;
  clock: () => Date;
  fetch?: typeof fetch;
}

/**
 * The Submission API as a subscriber uses it, with a bearer token from the client-credentials
 * grant, renewed shortly before it expires. Network failures and 5xx answers are outages
 * (retryable); other unexpected answers are errors naming the call.
 */
export function createClient(o: ClientOptions): FitConnectClient {
  const http = o.fetch ?? fetch;
  const base = o.apiUrl.replace(/\/+$/, "");
  let token: { value: string; until: number } | undefined;
  const platformKeys = new Map<string, CryptoKey>();

  async function bearer(): Promise<string> {
    const now = o.clock().getTime();
    if (token && token.until > now) return token.value;
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: o.clientId,
      client_secret: o.clientSecret,
      scope: `subscribe:destination:${o.destinationId}`,
    });
    const res = await call("token", () => http(o.tokenUrl, { method: "POST", body: form, headers: { "content-type": "application/x-www-form-urlencoded" } }));
    const body = (await res.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new Error("token endpoint answered without access_token");
    token = { value: body.access_token, until: now + Math.max(0, (body.expires_in ?? 300) - 30) * 1000 };
    return token.value;
  }

  async function api(what: string, pathname: string, init: RequestInit = {}): Promise<Response> {
    const auth = await bearer();
    const res = await call(what, () =>
      http(`${base}${pathname}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${auth}` } }),
    );
    return res;
  }

  return {
    async listSubmissions(offset, limit) {
      const q = new URLSearchParams({ destinationId: o.destinationId, offset: String(offset), limit: String(limit) });
      const res = await api("list submissions", `/submissions?${q}`);
      const body = (await res.json()) as { submissions?: SubmissionRef[]; totalCount?: number };
      return { submissions: (body.submissions ?? []).filter((s) => s.destinationId === o.destinationId), totalCount: body.totalCount ?? 0 };
    },
    async getSubmission(id) {
      return (await (await api("get submission", `/submissions/${encodeURIComponent(id)}`)).json()) as Submission;
    },
    async getAttachment(submissionId, attachmentId) {
      const res = await api("get attachment", `/submissions/${encodeURIComponent(submissionId)}/attachments/${encodeURIComponent(attachmentId)}`, {
        headers: { accept: "application/jose" },
      });
      return res.text();
    },
    async eventLog(caseId) {
      const body = (await (await api("get event log", `/cases/${encodeURIComponent(caseId)}/events`)).json()) as { eventLog?: string[] };
      return body.eventLog ?? [];
    },
    async postEvent(caseId, set) {
      await api("post event", `/cases/${encodeURIComponent(caseId)}/events`, { method: "POST", body: set, headers: { "content-type": "application/jose" } });
    },
    async createReply(caseId, announcedAttachments, signal) {
      const res = await api("create reply", "/replies", {
        method: "POST",
        body: JSON.stringify({ caseId, announcedAttachments }),
        headers: { "content-type": "application/json" },
        signal,
      });
      const body = (await res.json()) as { replyId?: string };
      if (!body.replyId) throw new Error("FIT-Connect create reply: the answer names no replyId");
      return { replyId: body.replyId };
    },
    async uploadReplyAttachment(replyId, attachmentId, jwe, signal) {
      await api("upload reply attachment", `/replies/${encodeURIComponent(replyId)}/attachments/${encodeURIComponent(attachmentId)}`, {
        method: "PUT",
        body: jwe,
        headers: { "content-type": "application/jose" },
        signal,
      });
    },
    async submitReply(replyId, body, signal) {
      await api("submit reply", `/replies/${encodeURIComponent(replyId)}`, {
        method: "PUT",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
        signal,
      });
    },
    async platformKey(kid) {
      if (!platformKeys.has(kid)) {
        const res = await call("get platform keys", () => http(new URL("/.well-known/jwks.json", base).toString()));
        const { keys = [] } = (await res.json()) as { keys?: JWK[] };
        // Each key is imported for what it says it is for: one not published for verifying is not used to verify.
        for (const k of keys)
          if (k.kid && k.kty === "RSA" && (k.key_ops === undefined || k.key_ops.includes("verify")) && (k.use === undefined || k.use === "sig"))
            platformKeys.set(k.kid, (await importJWK(k, "PS512")) as CryptoKey);
      }
      return platformKeys.get(kid);
    },
  };
}

async function call(what: string, run: () => Promise<Response>): Promise<Response> {
  let res: Response;
  try {
    res = await run();
  } catch (err) {
    throw new OutageError(`FIT-Connect ${what}: ${(err as Error).message}`, { retryable: true, cause: err });
  }
  if (res.ok) return res;
  const text = await res.text().catch(() => "");
  if (res.status >= 500 || res.status === 429)
    throw new OutageError(`FIT-Connect ${what}: HTTP ${res.status}`, { retryable: true, context: { body: text.slice(0, 200) } });
  throw new Error(`FIT-Connect ${what}: HTTP ${res.status} ${problemSummary(text) ?? text.slice(0, 200)}`);
}

/** An RFC 9457 problem as one line: the last segment of its `type`, then its detail (or title). */
function problemSummary(text: string): string | undefined {
  try {
    const p = JSON.parse(text) as { type?: unknown; title?: unknown; detail?: unknown };
    if (typeof p.type !== "string") return undefined;
    const name = p.type === "about:blank" ? "" : `${p.type.split("/").pop()}: `;
    return `${name}${String(p.detail ?? p.title ?? "")}`.slice(0, 200);
  } catch {
    return undefined;
  }
}
