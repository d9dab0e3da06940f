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

export const PROBLEM_BASE = "https://ozg-hub.de/problems/";

/** Answers with a problem; a `type` without a scheme is taken relative to PROBLEM_BASE. */
export function problem(c: Context, p: ProblemDetails): Response {
  const body = { ...p, type: p.type.includes(":") ? p.type : PROBLEM_BASE + p.type };
  const headers = new Headers(c.res.headers);
  headers.set("content-type", "application/problem+json");
  return new Response(JSON.stringify(body), { status: p.status, headers });
}
