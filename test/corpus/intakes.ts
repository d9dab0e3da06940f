import { createHash } from "node:crypto";
import { XTA_FINGERPRINT, sendMessageEnvelope, xtaHeaders } from "../../chaos/xta.ts";
import { TOKENS } from "../support/config.ts";

/** What the corpus expects of an intake for a bad input, in protocol-neutral terms. */
/** `envelope`: the protocol's own frame (SOAP envelope, headers) is broken or ambiguous; `missing`: a required part of it is absent. */
export type Refusal = "malformed" | "invalid" | "too_large" | "unsupported" | "unauthorized" | "missing" | "envelope";

export type DocKind = "json" | "xml";

export interface Doc {
  bytes: Uint8Array;
  contentType: string;
}

/**
 * One intake under test: how to wrap a document into its request and how its protocol answers
 * a refusal. A new protocol (XTA SOAP, OSCI) joins the corpus with one entry here.
 */
export interface Req {
  path: string;
  init: RequestInit;
}

export interface Intake {
  name: string;
  /** Document kinds it takes as its primary document. */
  kinds: DocKind[];
  /** Whether it checks the document against a schema (a parseable but wrong document is `invalid`). */
  schema: boolean;
  /** Whether the request is multipart, so that the multipart cases apply. */
  multipart?: { documentPart: string; attachmentPart: string };
  /** The request for a document; `token: null` sends no credentials, another token wrong ones. */
  request(doc: Doc, opts?: { token?: string | null }): Req | Promise<Req>;
  /** Bad inputs of the protocol itself (envelope, headers), beyond the document: one line each. */
  protocolCases?: () => { name: string; path: string; init: RequestInit; expected: Refusal }[];
  /** Checks the answer to a refusal (body as text and as bytes); returns what is wrong, or undefined. */
  check(res: Response, body: string, expected: Refusal, raw: Buffer): string | undefined;
  /** Whether an answer accepted the delivery (the control case); default: 2xx. */
  accepted?(res: Response, raw: Buffer): boolean;
}

const REST_PROBLEMS: Record<Refusal, { status: number; type: string }> = {
  malformed: { status: 400, type: "malformed" },
  invalid: { status: 422, type: "invalid" },
  too_large: { status: 413, type: "too-large" },
  unsupported: { status: 415, type: "unsupported-media-type" },
  unauthorized: { status: 401, type: "unauthorized" },
  missing: { status: 400, type: "malformed" },
  envelope: { status: 400, type: "malformed" },
};

/** REST answers every refusal with RFC 9457 problem+json of a fixed status and type. */
function problemJson(res: Response, body: string, expected: Refusal): string | undefined {
  const want = REST_PROBLEMS[expected];
  if (res.status !== want.status) return `status ${res.status}, expected ${want.status}: ${body.slice(0, 300)}`;
  if (res.headers.get("content-type") !== "application/problem+json") return `content-type ${res.headers.get("content-type")}`;
  let p: { type?: string; status?: number };
  try {
    p = JSON.parse(body);
  } catch {
    return `body is not JSON: ${body.slice(0, 200)}`;
  }
  if (p.type !== `urn:ozg-hub:problem:${want.type}`) return `problem type ${p.type}, expected ${want.type}`;
  if (p.status !== want.status) return `problem status ${p.status}`;
  return undefined;
}

/** XTA 2 answers with a SOAP 1.2 fault: the exception element and its Fehlernummer. */
const XTA_FAULTS: Record<Refusal, { status: number; exception: string; code: string }> = {
  malformed: { status: 400, exception: "MessageSchemaViolationException", code: "9050" },
  invalid: { status: 400, exception: "MessageSchemaViolationException", code: "9050" },
  too_large: { status: 400, exception: "ParameterIsNotValidException", code: "9023" },
  unsupported: { status: 400, exception: "ParameterIsNotValidException", code: "9052" },
  unauthorized: { status: 400, exception: "PermissionDeniedException", code: "9012" },
  missing: { status: 400, exception: "ParameterIsNotValidException", code: "9020" },
  envelope: { status: 400, exception: "ParameterIsNotValidException", code: "9052" },
};

function soapFault(res: Response, body: string, expected: Refusal): string | undefined {
  const want = XTA_FAULTS[expected];
  if (res.status !== want.status) return `status ${res.status}, expected ${want.status}: ${body.slice(0, 300)}`;
  if (!(res.headers.get("content-type") ?? "").startsWith("application/soap+xml")) return `content-type ${res.headers.get("content-type")}`;
  if (!body.includes(`<xta:${want.exception} `)) return `no ${want.exception}: ${body.slice(0, 400)}`;
  if (!body.includes(`<code>${want.code}</code>`)) return `Fehlernummer is not ${want.code}: ${body.slice(0, 400)}`;
  return undefined;
}

let xtaSerial = 0;

const auth = (token: string | null = TOKENS.formsolutions): Record<string, string> => (token === null ? {} : { authorization: `Bearer ${token}` });

function multipart(part: string, doc: Doc, extra: { name: string; filename?: string; type?: string; content: Uint8Array | string }[] = []): FormData {
  const fd = new FormData();
  fd.append(part, new Blob([doc.bytes as Uint8Array<ArrayBuffer>], { type: doc.contentType }));
  for (const e of extra) {
    const blob = new Blob([e.content as BlobPart], { type: e.type ?? "application/octet-stream" });
    if (e.filename) fd.append(e.name, blob, e.filename);
    else fd.append(e.name, blob);
  }
  return fd;
}

export const intakes: Intake[] = [
  {
    name: "POST /api/v1/applications (JSON)",
    kinds: ["json"],
    schema: true,
    request: (doc, o) => ({
      path: "/api/v1/applications",
      init: { method: "POST", headers: { ...auth(o?.token), "content-type": doc.contentType }, body: doc.bytes as BodyInit },
    }),
    check: problemJson,
  },
  {
    name: "POST /api/v1/applications (multipart)",
    kinds: ["json"],
    schema: true,
    multipart: { documentPart: "application", attachmentPart: "file" },
    request: (doc, o) => ({ path: "/api/v1/applications", init: { method: "POST", headers: auth(o?.token), body: multipart("application", doc) } }),
    check: problemJson,
  },
  {
    name: "POST /antrag (OZG-Cloud multipart)",
    kinds: ["json"],
    schema: true,
    multipart: { documentPart: "formData", attachmentPart: "attachment" },
    request: (doc, o) => ({ path: "/antrag", init: { method: "POST", headers: auth(o?.token), body: multipart("formData", doc) } }),
    check: problemJson,
  },
  {
    name: "POST /api/v1/deliveries (XML/JSON)",
    kinds: ["xml", "json"],
    schema: false,
    request: (doc, o) => ({
      path: "/api/v1/deliveries",
      init: { method: "POST", headers: { ...auth(o?.token), "content-type": doc.contentType }, body: doc.bytes as BodyInit },
    }),
    check: problemJson,
  },
  {
    name: "POST /api/v1/deliveries (multipart)",
    kinds: ["xml", "json"],
    schema: false,
    multipart: { documentPart: "document", attachmentPart: "file" },
    request: (doc, o) => ({ path: "/api/v1/deliveries", init: { method: "POST", headers: auth(o?.token), body: multipart("document", doc) } }),
    check: problemJson,
  },
  {
    // XTA sendMessage behind a TLS-terminating proxy (xta.trustedProxy): the document is the Message.
    name: "XTA sendMessage (SOAP 1.2)",
    kinds: ["xml"],
    schema: false,
    request: (doc, o) => {
      const fingerprint =
        o?.token === null ? null : o?.token && o.token !== TOKENS.formsolutions ? createHash("sha256").update(o.token).digest("hex") : XTA_FINGERPRINT;
      const messageId = `urn:de:xta:messageid:corpus:${process.pid}-${++xtaSerial}`;
      return {
        path: "/xta/send",
        init: {
          method: "POST",
          headers: xtaHeaders(fingerprint),
          body: sendMessageEnvelope({ messageId, reader: "ags:01002000", document: doc.bytes, contentType: doc.contentType }),
        },
      };
    },
    check: soapFault,
    protocolCases: () => {
      const doc = new TextEncoder().encode("<a xmlns='urn:corpus:test'>x</a>");
      const good = () => sendMessageEnvelope({ messageId: `urn:de:xta:messageid:corpus:${process.pid}-${++xtaSerial}`, reader: "ags:01002000", document: doc });
      const meta = (env: string) => /<oscimeta:MessageMetaData[\s\S]*<\/oscimeta:MessageMetaData>/.exec(env)![0];
      const message = (env: string) => /<xta:Message [\s\S]*<\/xta:Message>/.exec(env)![0];
      const post = (name: string, body: string, expected: Refusal) => ({
        name,
        path: "/xta/send",
        init: { method: "POST", headers: xtaHeaders(), body },
        expected,
      });
      const wrapped = (f: (env: string) => string) => f(good());
      const withByte = (env: string, after: string, byte: number) => {
        const b = Buffer.from(env);
        const at = b.indexOf(after) + after.length;
        return new Uint8Array([...b.subarray(0, at), byte, ...b.subarray(at)]);
      };
      return [
        post(
          "envelope with DOCTYPE and external entity",
          good().replace("<s:Envelope", `<!DOCTYPE s:Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]><s:Envelope`),
          "envelope",
        ),
        post(
          "envelope with billion laughs",
          good().replace("<s:Envelope", `<!DOCTYPE s:Envelope [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><s:Envelope`).replace("</s:Body>", "&b;</s:Body>"),
          "envelope",
        ),
        post("envelope truncated", good().slice(0, 400), "envelope"),
        { ...post("envelope with invalid UTF-8", "", "envelope"), init: { method: "POST", headers: xtaHeaders(), body: withByte(good(), "<s:Header>", 0xff) } },
        post(
          "Message missing",
          wrapped((e) => e.replace(message(e), "")),
          "missing",
        ),
        post(
          "Message not base64",
          wrapped((e) => e.replace(/(<xta:Message [^>]*>)[^<]*/, "$1*** not base64 ***")),
          "malformed",
        ),
        post(
          "Message with an unclosed nesting 5000 deep",
          sendMessageEnvelope({
            messageId: `urn:de:xta:messageid:corpus:${process.pid}-${++xtaSerial}`,
            reader: "ags:01002000",
            document: new TextEncoder().encode("<a>".repeat(5000)),
          }),
          "malformed",
        ),
        post(
          "MessageMetaData twice",
          wrapped((e) => e.replace(meta(e), meta(e) + meta(e))),
          "envelope",
        ),
        post(
          "Message twice",
          wrapped((e) => e.replace(message(e), message(e) + message(e))),
          "envelope",
        ),
        post(
          "envelope nested 5000 deep in the Body",
          wrapped((e) => e.replace("<s:Body>", `<s:Body>${"<x>".repeat(5000)}${"</x>".repeat(5000)}`)),
          "envelope",
        ),
      ];
    },
  },
];

export { multipart };
