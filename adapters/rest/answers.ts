import type { Context } from "hono";
import type { IntakeResult, Logger } from "../../gateway/index.ts";
import { isOutage, messageOf, outageDetail, problem } from "../../gateway/index.ts";
import { receiptBody } from "./receipt.ts";

type Refusal = Exclude<IntakeResult, { kind: "accepted" | "duplicate" }>;

/** The one place where intake refusals become RFC 9457 problems. */
export function refusal(c: Context, r: Refusal): Response {
  switch (r.kind) {
    case "malformed":
      return problem(c, { type: "malformed", title: "Malformed request body", status: 400, detail: r.detail });
    case "invalid":
      return problem(c, {
        type: "invalid",
        title: "The submission violates the schema",
        status: 422,
        detail: r.problems.map((p) => `${p.path || "(root)"}: ${p.message}`).join("; "),
        errors: r.problems,
      });
    case "too_large":
      return problem(c, {
        type: "too-large",
        title: "Payload Too Large",
        status: 413,
        detail: `${r.what} exceeds the limit of ${r.limit}${r.what === "attachments" ? " parts" : " bytes"}`,
        limit: r.limit,
      });
    case "busy": {
      const res = problem(c, {
        type: "busy",
        title: "Service Unavailable",
        status: 503,
        detail: `the broker is behind; nothing was stored, retry in ${r.retryAfterSeconds} s`,
      });
      res.headers.set("Retry-After", String(r.retryAfterSeconds));
      return res;
    }
    default: {
      const never: never = r;
      throw new Error(`unhandled intake result ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The answer to a repeat of an earlier delivery's id: undefined for the same content (the caller
 * replays the first receipt, marked `Idempotent-Replayed`), 409 when the content differs, since
 * the change would otherwise be dropped while the portal believes it delivered.
 */
export function repeatAnswer(c: Context, r: Extract<IntakeResult, { kind: "duplicate" }>): Response | undefined {
  if (!r.changed) {
    c.header("Idempotent-Replayed", "true");
    return undefined;
  }
  return problem(c, {
    type: "conflict",
    title: "Conflict",
    status: 409,
    detail: `"${r.receipt.sourceMessageId}" was delivered before (reference ${r.receipt.reference}) with other content; nothing was stored. Send a change under a new id.`,
    reference: r.receipt.reference,
  });
}

/** The `Idempotency-Key` header: undefined when none was sent, false when it is unusable. */
export function idempotencyKey(c: Context): string | undefined | false {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return undefined;
  return /^[\x21-\x7e]{1,200}$/.test(key) ? key : false;
}

/** The 400 for an `Idempotency-Key` that `idempotencyKey` found unusable. */
export function invalidIdempotencyKey(c: Context): Response {
  return problem(c, {
    type: "invalid-idempotency-key",
    title: "Bad Request",
    status: 400,
    detail: "Idempotency-Key must be 1 to 200 printable characters",
  });
}

/**
 * The answer of /api/v1/applications and /api/v1/deliveries to an intake: 202 with the receipt
 * and the status URL (or the answer to a repeat), a problem for a refusal.
 */
export function receiptAnswer(c: Context, result: IntakeResult): Response {
  if (result.kind !== "accepted" && result.kind !== "duplicate") return refusal(c, result);
  const repeat = result.kind === "duplicate" && repeatAnswer(c, result);
  if (repeat) return repeat;
  c.header("Location", `/api/v1/applications/${result.receipt.deliveryId}`);
  return c.json(receiptBody(result.receipt), 202);
}

export function unsupportedType(c: Context, got: string | undefined, allowed: string[]): Response {
  return problem(c, {
    type: "unsupported-media-type",
    title: "Unsupported Media Type",
    status: 415,
    detail: `got ${got || "no content type"}; send ${allowed.join(" or ")}`,
  });
}

/**
 * The REST adapter's answer to anything a handler threw: 503 with Retry-After while Postgres or
 * the broker is away or a standby refuses the write (the client retries the same request, with
 * the same id: see outageDetail for what it is told was stored), 500 for everything else. Both problem+json, so a portal never meets another shape.
 */
export function failure(c: Context, err: unknown, log: Logger): Response {
  log.error({ err: messageOf(err), path: c.req.path, outage: isOutage(err) }, "REST request failed");
  if (isOutage(err)) {
    c.header("retry-after", "5");
    return problem(c, {
      type: "unavailable",
      title: "Service Unavailable",
      status: 503,
      detail: outageDetail(err),
    });
  }
  return problem(c, {
    type: "internal",
    title: "Internal Server Error",
    status: 500,
    detail: "the request could not be completed; nothing was stored unless a receipt was given",
  });
}
