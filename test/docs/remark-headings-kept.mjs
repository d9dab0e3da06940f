// A guard against losing documentation by accident: docs/kept.json lists every heading the
// documentation has had and the least number of words it holds. Each listed heading must
// still be a heading somewhere in README.md or docs/ (moving a section between files is
// fine; deleting or renaming one fails until the list is changed in the same commit, where a
// reviewer sees it), and README.md and docs/ together must not fall below the word count.
// Runs once, on README.md, because it compares the whole set of files.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readDocs } from "./doc-files.mjs";

/** Problems of the documentation `docs` ({file, headings, words}[]) against the kept list. */
export function keptProblems(kept, docs) {
  const present = new Set(docs.flatMap((doc) => doc.headings));
  const problems = kept.headings
    .filter((heading) => !present.has(heading))
    .map((heading) => `heading "${heading}" of docs/kept.json is in no file of README.md and docs/`);
  const words = docs.reduce((sum, doc) => sum + doc.words, 0);
  if (words < kept.minimumWords) problems.push(`README.md and docs/ hold ${words} words, fewer than the ${kept.minimumWords} of docs/kept.json`);
  return problems;
}

/** remark plugin: reports headings of docs/kept.json that are gone, and shrunken documentation. */
export default function remarkHeadingsKept() {
  return (_tree, file) => {
    if (!file.path || !/(^|\/)README\.md$/.test(file.path) || file.path.includes("/docs/")) return;
    const kept = JSON.parse(readFileSync(join(file.cwd, "docs/kept.json"), "utf8"));
    for (const problem of keptProblems(kept, readDocs(file.cwd))) file.message(problem, undefined, "headings-kept:missing");
  };
}
