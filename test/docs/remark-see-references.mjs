// Prose in this documentation points to other sections as "see Operations" or
// "(see Replay)" without a link. remark-validate-links checks links only, so when a section
// is renamed or removed such a reference dangles unnoticed (README once lost eight sections
// while its prose still said "see Console"). This rule resolves every such reference:
// the words after "see" must begin with a heading of the same file; a heading that lives in
// another file must be written as a link, which remark-validate-links then checks.
// "see" followed by an ordinary word ("see below", "see the parsed document") is no reference.
import { visit } from "unist-util-visit";
import { readDocs, headingsOf } from "./doc-files.mjs";

const ordinaryWords = new Set(
  "a an the its their his her our your this that these those there here below above also how what which who when where why whether each every all both one it them if".split(
    " ",
  ),
);

function normalise(text) {
  return text.replace(/[`*_]/g, "").replace(/\s+/g, " ").trim().toLowerCase();
}

/** Problems in one text: the references after "see" that name no heading of `own`. */
export function unresolvedReferences(text, own, elsewhere) {
  const problems = [];
  for (const match of text.matchAll(/\bsee\s+/gi)) {
    const rest = text.slice(match.index + match[0].length).replace(/^["“„']/, "");
    if (rest === "") continue; // a link or inline code follows: not prose
    const firstWord = rest.split(/[\s,.;:)]/)[0];
    if (ordinaryWords.has(firstWord) || /^[^\p{L}]/u.test(firstWord)) continue;
    const said = normalise(rest);
    // The reference ends at the first punctuation, or runs on into the sentence: either the
    // heading is said in full ("see Connecting a Fachverfahren, the way back") or the words up
    // to the punctuation begin the heading ("see Operations" for "Operations: faults, …").
    const shown = rest.split(/[,;:)|\n"”]/)[0].trim();
    const begins = (heading, words) => heading.startsWith(words) && /^($|[^\p{L}\p{N}])/u.test(heading.slice(words.length));
    const names = (heading) => said.startsWith(heading) || begins(heading, normalise(shown));
    if (own.some(names)) continue;
    const other = elsewhere.find(({ heading }) => names(heading));
    problems.push({
      index: match.index,
      message: other
        ? `"see ${shown}" names a heading of ${other.file}: write it as a link to that file`
        : `"see ${shown}" names no heading of this documentation`,
    });
  }
  return problems;
}

/** remark plugin: reports every "see X" whose X is no heading of this file. */
export default function remarkSeeReferences() {
  return (tree, file) => {
    const own = headingsOf(tree).map(normalise);
    const elsewhere = readDocs(file.cwd)
      .filter((doc) => file.path && !file.path.endsWith(doc.file))
      .flatMap((doc) => doc.headings.map((heading) => ({ file: doc.file, heading: normalise(heading) })));
    visit(tree, "text", (node, _index, parent) => {
      if (parent?.type === "link" || parent?.type === "linkReference") return;
      for (const problem of unresolvedReferences(node.value, own, elsewhere)) {
        file.message(problem.message, node, "see-references:unresolved");
      }
    });
  };
}
