import { readFileSync } from "node:fs";
import path from "node:path";
import type { Hono } from "hono";
import { REPO, TOKENS } from "./config.ts";

/** The OZG-Cloud sample form, with the changes a test needs. */
export function ozgCloudForm(patch: { transactionId?: string; zustaendigeStelle?: string; leikaIds?: string[] } = {}): Record<string, any> {
  const form = JSON.parse(readFileSync(path.join(REPO, "mappings/ozg-cloud/fixtures/gewerbeanmeldung-kiel.input.json"), "utf8"));
  Object.assign(form.control, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
  return form;
}

/** A multipart body as a portal sends it to /antrag: formData (a value, or JSON text as it is), attachments. */
export function antragBody(
  form: unknown,
  files: { part: "representation" | "attachment"; name: string; type: string; content: Uint8Array<ArrayBuffer> | string }[],
): FormData {
  const fd = new FormData();
  fd.append("formData", new Blob([typeof form === "string" ? form : JSON.stringify(form)], { type: "application/json" }));
  for (const f of files) fd.append(f.part, new Blob([f.content], { type: f.type }), f.name);
  return fd;
}

/**
 * The form as a portal whose JSON library writes nulls (Jackson's default) sends it: every
 * member a form item may have is present, null where the item has no value of its own.
 */
export function withJacksonNulls(form: Record<string, any>): Record<string, any> {
  const item = (i: Record<string, any>): Record<string, any> => ({
    label: null,
    stringValue: null,
    numberValue: null,
    dateValue: null,
    booleanValue: null,
    ...i,
    formItems: Array.isArray(i.formItems) ? i.formItems.map(item) : null,
  });
  const account = form.control.serviceKonto;
  return {
    ...form,
    control: { ...form.control, serviceKonto: account ? { trustLevel: null, postfachAddress: null, ...account } : null },
    formData: form.formData.map(item),
  };
}

/** A part of an /antrag body besides the form (see `antragBody`). */
export type AntragFile = Parameters<typeof antragBody>[1][number];

/**
 * POSTs the OZG-Cloud sample form (with `patch`) to /antrag, the way the REST intake's tests
 * deliver: as the formsolutions portal unless `headers` say otherwise.
 *
 * @example
 * expect((await postAntrag(hub, { transactionId: "t-1" })).status).toBe(202);
 */
export function postAntrag(
  hub: { app: Hono },
  patch: Parameters<typeof ozgCloudForm>[0] = {},
  o: { headers?: Record<string, string>; files?: AntragFile[] } = {},
): Promise<Response> {
  const headers = o.headers ?? { authorization: `Bearer ${TOKENS.formsolutions}` };
  return Promise.resolve(hub.app.request("/antrag", { method: "POST", headers, body: antragBody(ozgCloudForm(patch), o.files ?? []) }));
}
