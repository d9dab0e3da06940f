import { describe, expect, it } from "vitest";
import { formField, formGroup, formTree, normalKey } from "./form-data.ts";

const form = [
  {
    name: "Antragstellende Person",
    label: "Antragstellende Person",
    formItems: [
      { name: "vn", label: "Vorname", stringValue: "Jürgen" },
      { name: "Adresse", label: "Adresse", formItems: [{ name: "STRASSE", label: "Straße", stringValue: "Holstenstraße" }] },
    ],
  },
  {
    name: "betrieb",
    label: "Betriebsdaten",
    formItems: [
      { name: "Vorname", label: "Vorname", stringValue: "nicht ich" },
      { name: "E_Mail", stringValue: "b@example.org" },
    ],
  },
  { name: "gesellschafter", formItems: [{ name: "anteil", numberValue: 0.5 }] },
  {
    name: "gesellschafter",
    formItems: [
      { name: "anteil", numberValue: 0.5 },
      { name: "aktiv", booleanValue: false },
    ],
  },
];

describe("OZG-Cloud formData", () => {
  it("normalises case, umlauts and separators", () => {
    expect(normalKey("Geschäfts-Bezeichnung")).toBe("geschaeftsbezeichnung");
    expect(normalKey("E-Mail")).toBe(normalKey("e_mail"));
    expect(normalKey("Straße")).toBe(normalKey("STRASSE"));
    expect(normalKey("Zuständige Stelle")).toBe("zustaendigestelle");
  });

  it("finds a field by name or label at any depth, the shallowest first", () => {
    expect(formField(form, "vorname")).toBe("Jürgen");
    expect(formField(form, "strasse")).toBe("Holstenstraße");
    expect(formField(form, ["email", "E-Mail"])).toBe("b@example.org");
    expect(formField(form, "telefon")).toBeUndefined();
    expect(formField(formGroup(form, "Betriebsdaten"), "Vorname")).toBe("nicht ich");
    expect(formField(form, "aktiv")).toBe(false);
  });

  it("reads names given in lists as before, whatever lists were asked for earlier", () => {
    expect(formField(form, "telefon")).toBeUndefined();
    expect(formField(form, "telefon", "aktiv")).toBe(false);
    // Expressions may pass lists of lists; the typings name only what mappings should write.
    const nested = (v: unknown) => v as string[];
    expect(formField(form, ["telefon"], nested([["E-Mail"]]))).toBe("b@example.org");
    // Names are read two levels into lists, as they always were; deeper ones are not names.
    expect(formField(form, nested([[["E-Mail"]]]))).toBeUndefined();
    expect(formField(form, "", ["", "vorname"])).toBe("Jürgen");
    expect(formGroup(form, ["x", "Betriebsdaten"])?.length).toBe(2);
  });

  it("reads nulls as absent members (Jackson's default): a field keeps its value, a group stays a group", () => {
    const nulls = { stringValue: null, numberValue: null, dateValue: null, booleanValue: null };
    const jackson = [
      { name: "g", label: null, ...nulls, formItems: [{ name: "anzahl", label: null, ...nulls, numberValue: 3, formItems: null }] },
      { name: "leer", label: null, ...nulls, formItems: null },
    ];
    expect(formField(jackson, "anzahl")).toBe(3);
    expect(formGroup(jackson, "g")).toHaveLength(1);
    expect(formGroup(jackson, "anzahl")).toBeUndefined();
    expect(formTree(jackson)).toEqual({ g: { anzahl: 3 }, leer: null });
  });

  it("finds groups by label and keeps repeated groups as arrays", () => {
    expect(formGroup(form, "antragstellende person")?.length).toBe(2);
    expect(formGroup(form, "vorname")).toBeUndefined();
    expect(formTree(form)).toEqual({
      "Antragstellende Person": { vn: "Jürgen", Adresse: { STRASSE: "Holstenstraße" } },
      betrieb: { Vorname: "nicht ich", E_Mail: "b@example.org" },
      gesellschafter: [{ anteil: 0.5 }, { anteil: 0.5, aktiv: false }],
    });
  });

  it("reads nothing from what is not a form", () => {
    expect(formTree(undefined)).toEqual({});
    expect(formField("text", "a")).toBeUndefined();
    expect(formTree([{ name: "__proto__", stringValue: "x" }])).toEqual(JSON.parse('{"__proto__":"x"}'));
  });
});
