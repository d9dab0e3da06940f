import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** RFC 9457 problem details; `type` URIs are documented in README under "Errors". */
export interface ProblemDetails {
  type: string;
  title: string;
  status: ContentfulStatusCode;
  detail?: string;
  instance?: string;
  /** Where in the input, for schema violations: `[{ path: "control.leikaIds[0]", message }]`. */
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

/**
 * Problem types are URNs unless the operator configures a base URL of a domain they own
 * (`problemTypeBase` in gateway.yaml): a URL would claim a web page that nobody serves.
 */
export const PROBLEM_BASE = "urn:ozg-hub:problem:";

/** The context variable through which the HTTP app passes the configured base to `problem`. */
export const PROBLEM_BASE_VAR = "problemBase";

/** Answers with a problem; a `type` without a scheme is taken relative to the configured base. */
export function problem(c: Context, p: ProblemDetails): Response {
  const base = (c.get(PROBLEM_BASE_VAR) as string | undefined) ?? PROBLEM_BASE;
  const body = { ...p, type: p.type.includes(":") ? p.type : base + p.type };
  const headers = new Headers(c.res.headers);
  headers.set("content-type", "application/problem+json");
  return new Response(JSON.stringify(body), { status: p.status, headers });
}
