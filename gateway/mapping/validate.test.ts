import { describe, expect, it } from "vitest";
import { validateApplication } from "./validate.ts";

const base = { sourceFormat: "x", recipient: { ags: "01002000" }, attachments: [] };

describe("validateApplication delivers with warnings", () => {
  it("a complete application has no warnings", () => {
    const r = validateApplication({ ...base, service: { leikaKeys: ["99050012104000"] }, applicant: { kind: "person", name: "Anna Muster" } });
    expect(r).toMatchObject({ ok: true, application: { warnings: [] } });
  });

  it("missing LeiKa key and applicant are warnings, not failures", () => {
    const r = validateApplication({ ...base });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.application.service).toEqual({ leikaKeys: [] });
    expect(r.application.warnings).toEqual([
      { path: "service.leikaKeys", message: "no LeiKa key found in the source" },
      { path: "applicant.name", message: "no applicant name found in the source" },
    ]);
  });

  it("a person with a given name but no family name is delivered with a warning", () => {
    const r = validateApplication({ ...base, service: { leikaKeys: ["99050012104000"] }, applicant: { kind: "person", name: "Tibor", givenName: "Tibor" } });
    expect(r).toMatchObject({
      ok: true,
      application: {
        applicant: { kind: "person", name: "Tibor", givenName: "Tibor" },
        warnings: [{ path: "applicant.familyName", message: "a given name but no family name in the source" }],
      },
    });
  });

  it("leaves what the mapping produced untouched while it leaves values out", () => {
    const candidate = {
      ...base,
      service: { leikaKeys: ["99050012104000", "123"] },
      applicant: { kind: "person", name: "Anna Muster", birthDate: "31.02.1980", email: "" },
      content: { kind: "json", document: { a: ["", { b: "" }] } },
    };
    const before = structuredClone(candidate);
    const r = validateApplication(candidate);
    expect(r.ok).toBe(true);
    expect(candidate).toEqual(before);
    if (r.ok) expect(r.application.content?.document).toEqual(before.content.document);
  });

  it("malformed values are left out and named; the rest stays", () => {
    const r = validateApplication({
      ...base,
      service: { leikaKeys: ["99050012104000", "123"] },
      applicant: { kind: "person", name: "Anna Muster", birthDate: "31.02.1980", shoeSize: 42 },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.application.service.leikaKeys).toEqual(["99050012104000"]);
    expect(r.application.applicant).toEqual({ kind: "person", name: "Anna Muster" });
    expect(r.application.warnings.map((w) => w.path).sort()).toEqual(["applicant.birthDate", "applicant.shoeSize", "service.leikaKeys[1]"]);
    expect(r.application.warnings.every((w) => w.message.includes("left out of the canonical fields"))).toBe(true);
  });

  it("an application without a usable recipient fails: it cannot be routed", () => {
    const r = validateApplication({ ...base, recipient: {}, applicant: { kind: "person", name: "A" } });
    expect(r).toEqual({
      ok: false,
      problems: [{ path: "recipient", message: "at least one of organisationUnitId, ags, ars or xtaReader is needed to route" }],
    });
    const bad = validateApplication({ ...base, recipient: { ags: "12" } });
    expect(bad.ok).toBe(false);
  });

  it("reads empty strings as absent, not as malformed", () => {
    const r = validateApplication({ ...base, service: { leikaKeys: ["99050012104000"] }, applicant: { kind: "person", name: "", email: "" } });
    expect(r).toMatchObject({
      ok: true,
      application: { applicant: { kind: "person" }, warnings: [{ path: "applicant.name", message: "no applicant name found in the source" }] },
    });
  });

  it("does not change its input", () => {
    const input = { ...base, applicant: { name: "A", birthDate: "nope" } };
    validateApplication(input);
    expect(input.applicant.birthDate).toBe("nope");
  });
});
