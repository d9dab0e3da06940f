import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configSpec } from "./hub.ts";
import { formatProblem } from "../gateway/config/load.ts";
import { MappingSet } from "../gateway/mapping/engine.ts";
import { REPO } from "../test/support/config.ts";
import { mappingsCommand } from "./mappings.ts";
import { into } from "../test/support/process.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A mappings directory with one mapping file of the given text. */
async function withMapping(id: string, text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "ozg-hub-mapfile-"));
  dirs.push(dir);
  await mkdir(path.join(dir, id));
  await writeFile(path.join(dir, id, `${id}.yaml`), text);
  return dir;
}

async function problemsOf(dir: string): Promise<string[]> {
  const r = await MappingSet.load(dir, configSpec.channels);
  if (r.ok) throw new Error("expected problems");
  return r.problems.map((p) => formatProblem({ ...p, file: path.relative(dir, path.resolve(p.file)) }));
}

describe("mapping files are validated with file and line", () => {
  it("reports a YAML syntax error with its line", async () => {
    const dir = await withMapping("broken", "id: broken\nfields:\n  service.leikaKeys: [a\n  recipient.ags: x\n");
    const [p] = await problemsOf(dir);
    expect(p).toMatch(/^broken\/broken\.yaml:\d+ \(root\): YAML: /);
  });

  it("reports schema violations with path and line: unknown keys, a bad id, a wrong type", async () => {
    const dir = await withMapping("bad", ["id: Bad_Id", "priority: high", "match:", "  xmlroot: { name: x }", "fields:", "  sourceId: id", ""].join("\n"));
    expect(await problemsOf(dir)).toEqual([
      "bad/bad.yaml:1 id: lower-case letters, digits, dots and dashes",
      "bad/bad.yaml:2 priority: Invalid input: expected number, received string",
      'bad/bad.yaml:4 match.xmlroot: unknown key "xmlroot"',
    ]);
  });

  it("refuses a channel no adapter is registered under, naming the registered ones", async () => {
    const text = ["id: chan", "match:", "  channels: [xta, fax]", "fields:", "  sourceId: id", ""].join("\n");
    const dir = await withMapping("chan", text);
    expect(await problemsOf(dir)).toEqual([`chan/chan.yaml match.channels[1]: unknown channel "fax": expected one of ${configSpec.channels.join(", ")}`]);
    // Without the registered channels (a mappings directory read on its own) the file is fine.
    expect((await MappingSet.load(dir)).ok).toBe(true);
  });

  it("reports a JSONata syntax error at the line of the offending character, inside a multi-line field", async () => {
    const text = [
      "id: jsonata",
      "let:",
      "  person: antrag.person",
      "fields:",
      "  service.leikaKeys: '[leika]'",
      "  recipient.ags: $ags(ags)",
      "  applicant.kind: \"'person'\"",
      "  applicant.name: |",
      "    $joinName(",
      "      $person.vorname,",
      "      $person.nachname ++ )",
      "  data: $",
      "",
    ].join("\n");
    const dir = await withMapping("jsonata", text);
    const [p] = await problemsOf(dir);
    expect(p).toMatch(/^jsonata\/jsonata\.yaml:11 fields\.applicant\.name: .*\(at character \d+\)$/);
  });

  it("reports a let name that is no identifier, a field set whole and in part, and an id that is not the folder", async () => {
    const dir = await withMapping("folder", ["id: other", "let:", "  my-var: x", "fields:", "  applicant: a", "  applicant.name: b", ""].join("\n"));
    expect(await problemsOf(dir)).toEqual([
      'folder/folder.yaml:1 id: id "other" must equal the folder name "folder"',
      "folder/folder.yaml:3 let.my-var: a let name must be an identifier",
      "folder/folder.yaml:5 fields.applicant: applicant is set whole and also in part by applicant.name",
    ]);
  });

  it("`ozg-hub mappings test` prints the problems, no stack trace, and exits non-zero", async () => {
    const dir = await withMapping("bad", "id: bad\nfields: 3\n");
    const out: string[] = [];
    expect(await mappingsCommand(["test", dir], into(out), into(out))).toBe(1);
    expect(out.join("\n")).toMatch(/bad\.yaml:2 fields: Invalid input: expected record, received number\n1 problem\(s\) in the mapping files$/);
    expect(out.join("\n")).not.toContain("    at ");
  });
});

describe("ozg-hub mappings try", () => {
  const fixture = (f: string, c: string) => path.join(REPO, "mappings", f, "fixtures", c);

  it("prints the canonical application of a fixture input, with its context", async () => {
    const out: string[] = [];
    const code = await mappingsCommand(
      ["try", "xdomea", fixture("xdomea", "gewerbeanmeldung-kiel-2-4.input.xml"), "--mappings", path.join(REPO, "mappings")],
      into(out),
      into(out),
    );
    expect(code).toBe(0);
    const app = JSON.parse(out.join("\n"));
    expect(app.applicant.name).toBe("Åsa Nørgaard-Öztürk");
    expect(app.attachments.map((a: { title: string }) => a.title)).toEqual(["Antrag (Formular)", "Aufenthaltstitel (Kopie)"]);
  });

  it("names mapping, field, expression and the input paths it read when the result is invalid", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ozg-hub-try-"));
    dirs.push(dir);
    await cp(path.join(REPO, "mappings/xgewerbeanzeige"), path.join(dir, "xgewerbeanzeige"), { recursive: true });
    const input = path.join(dir, "no-art.input.xml");
    await writeFile(
      input,
      '<abh.gewerbemeldung.0500 xmlns="http://www.xgewerbeanzeige.de/spezifikation/2.2"><satz><anmeldung><gewerbe><beteiligtePerson><personFunktion><code>1</code></personFunktion></beteiligtePerson></gewerbe></anmeldung></satz></abh.gewerbemeldung.0500>',
    );
    const out: string[] = [];
    expect(await mappingsCommand(["try", "xgewerbeanzeige", input, "--mappings", dir], into(out), into(out))).toBe(1);
    const text = out.join("\n");
    expect(text).toContain("mapping xgewerbeanzeige produced an invalid application");
    // What routing needs is missing, so the mapping fails; the missing applicant is only a
    // warning of a routable application and is not explained as a failure.
    expect(text).not.toContain("field applicant.name");
    expect(text).toContain(["    expression: $ags($meldung.gemeindeSchluessel.code)", "    input $meldung.gemeindeSchluessel.code = (nothing)"].join("\n"));
    expect(text).toContain("  mapping xgewerbeanzeige, field recipient.ags (problem at recipient: at least one of");
  });

  it("names the field of a runtime error and refuses an unknown mapping id", async () => {
    const dir = await withMapping(
      "boom",
      [
        "id: boom",
        "fields:",
        "  service.leikaKeys: '[$leikaKey(nummer)]'",
        "  recipient.ags: \"'01002000'\"",
        "  applicant.kind: \"'person'\"",
        "  applicant.name: name",
        "  data: $",
        "",
      ].join("\n"),
    );
    const input = path.join(dir, "x.input.json");
    await writeFile(input, JSON.stringify({ nummer: 99050012104000, name: "A" }));
    const out: string[] = [];
    expect(await mappingsCommand(["try", "boom", input, "--mappings", dir], into(out), into(out))).toBe(1);
    expect(out.join("\n")).toMatch(/^mapping boom: field service\.leikaKeys \(\[\$leikaKey\(nummer\)\]\): .*leikaKey/);
    expect(out.join("\n")).toContain("    input nummer = 99050012104000");
    const out2: string[] = [];
    expect(await mappingsCommand(["try", "nope", input, "--mappings", dir], into(out2), into(out2))).toBe(1);
    expect(out2).toEqual(['no mapping with id "nope" (known: boom)']);
  });
});
