import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { registerFunctions } from "./compile.ts";
import { ags, ars, isoDate, isoDateTime, joinName, leikaKey, sha256, splitName } from "./functions.ts";

describe("mapping function library", () => {
  it("isoDate reads German and ISO dates and drops what is no date", () => {
    expect(["24.12.1980", "3.5.1984", "1980-12-24", "1980-12-24T10:00:00Z", "24. Dezember 1980", "1. März 2027", "7 Okt. 2026"].map(isoDate)).toEqual([
      "1980-12-24",
      "1984-05-03",
      "1980-12-24",
      "1980-12-24",
      "1980-12-24",
      "2027-03-01",
      "2026-10-07",
    ]);
    expect(["31.02.2026", "12/24/1980", "", "gestern", "24. Brumaire 1980"].map(isoDate)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    // eight digits: DDMMYYYY (XGewerbeanzeige) first, then YYYYMMDD, plausible years only
    expect(["12101965", "19651012", "01022003", "31129999", "99999999"].map(isoDate)).toEqual(["1965-10-12", "1965-10-12", "2003-02-01", undefined, undefined]);
    expect(isoDate(undefined)).toBeUndefined();
  });

  it("isoDateTime is exact on the nights the clocks change", () => {
    // 2026-03-29: 02:00 CET → 03:00 CEST (01:00Z). 01:30 is still winter time.
    expect(isoDateTime("2026-03-29T01:30:00")).toBe("2026-03-29T01:30:00+01:00");
    expect(isoDateTime("2026-03-29T03:30:00")).toBe("2026-03-29T03:30:00+02:00");
    // 2026-10-25: 03:00 CEST → 02:00 CET (01:00Z). 01:30 is still summer time, 03:30 winter.
    expect(isoDateTime("2026-10-25T01:30:00")).toBe("2026-10-25T01:30:00+02:00");
    expect(isoDateTime("2026-10-25T03:30:00")).toBe("2026-10-25T03:30:00+01:00");
    expect(isoDateTime("25.10.2026 23:59")).toBe("2026-10-25T23:59:00+01:00");
    expect(isoDateTime("29.03.2026 00:30")).toBe("2026-03-29T00:30:00+01:00");
  });

  it("isoDateTime reads German local times as Europe/Berlin, winter and summer", () => {
    expect(isoDateTime("27.11.2026 18:04")).toBe("2026-11-27T18:04:00+01:00");
    expect(isoDateTime("01.07.2026, 12:30:15")).toBe("2026-07-01T12:30:15+02:00");
    expect(isoDateTime("01.07.2026")).toBe("2026-07-01T00:00:00+02:00");
    expect(isoDateTime("2026-11-28T08:14:03Z")).toBe("2026-11-28T08:14:03Z");
    expect(isoDateTime("2026-11-28 08:14")).toBeUndefined();
    expect(isoDateTime("31.02.2026 10:00")).toBeUndefined();
    // XÖV date-times without offset (XGewerbeanzeige 2.0 writes them so) and DatML's 14 digits.
    expect(isoDateTime("2016-07-04T17:54:42.0")).toBe("2016-07-04T17:54:42+02:00");
    expect(isoDateTime("2018-02-20T13:14:21.25")).toBe("2018-02-20T13:14:21.25+01:00");
    expect(isoDateTime("20160704175442")).toBe("2016-07-04T17:54:42+02:00");
    expect(isoDateTime("2016-07-04T17:54")).toBe("2016-07-04T17:54:00+02:00");
    expect(isoDateTime("01.02.2026 25:00")).toBeUndefined();
  });

  it("leikaKey takes the key from a URN or a plain key", () => {
    expect(leikaKey("urn:de:fim:leika:leistung:99050012104000")).toBe("99050012104000");
    expect(leikaKey(" 99050012200000 ")).toBe("99050012200000");
    expect(leikaKey("urn:de:fim:leika:leistung:9905001210")).toBeUndefined();
  });

  it("ags and ars convert between AGS and ARS and restore leading zeros", () => {
    expect(ags("1002000")).toBe("01002000");
    expect(ags("010020000000")).toBe("01002000");
    expect(ags("09761000")).toBe("09761000");
    expect(ags(9761000)).toBe("09761000");
    expect(ags("097610000000")).toBe("09761000");
    expect(ags("123")).toBeUndefined();
    expect(ars("01002000")).toBe("010020000000");
    expect(ars("097610000000")).toBe("097610000000");
    expect(ars("x")).toBeUndefined();
  });

  it("splitName splits given and family names, with comma form and particles", () => {
    expect(splitName("Anna Maria Müller")).toEqual({ givenName: "Anna Maria", familyName: "Müller" });
    expect(splitName("Müller-Lüdenscheidt, Jürgen")).toEqual({ givenName: "Jürgen", familyName: "Müller-Lüdenscheidt" });
    expect(splitName("Ursula von der Leyen")).toEqual({ givenName: "Ursula", familyName: "von der Leyen" });
    expect(splitName("Karl-Theodor zu Guttenberg")).toEqual({ givenName: "Karl-Theodor", familyName: "zu Guttenberg" });
    expect(splitName("Petersen")).toEqual({ familyName: "Petersen" });
    expect(splitName("  ")).toBeUndefined();
  });

  it("joinName joins non-empty parts; sha256 hashes UTF-8", () => {
    expect(joinName("Zoë", "", undefined, " Çelik ")).toBe("Zoë Çelik");
    expect(sha256("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("is callable from mapping expressions, undefined input dropping out", async () => {
    const expr = registerFunctions(jsonata('{ "d": $isoDate(a), "k": $leikaKey(b), "g": $ags(c), "n": $splitName(n).familyName, "missing": $isoDate(nope) }'));
    expect(await expr.evaluate({ a: "01.12.2026", b: "urn:de:fim:leika:leistung:99050012202000", c: "010020000000", n: "Broder Hansen" })).toEqual({
      d: "2026-12-01",
      k: "99050012202000",
      g: "01002000",
      n: "Hansen",
    });
  });
});
