// The documentation the checks below look at: README.md and every Markdown file under docs/.
// Shared so that the checks that compare across files (headings, prose references) see the same set.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { unified } from "unified";
import remarkParse from "remark-parse";
import { visit } from "unist-util-visit";
import { toString } from "mdast-util-to-string";

/** Markdown files of the documentation, relative to `root`: README.md first, then docs/**.md. */
export function docFiles(root) {
  const files = existsSync(join(root, "README.md")) ? ["README.md"] : [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) files.push(relative(root, path));
    }
  };
  walk(join(root, "docs"));
  return files;
}

/** The text of a heading as a reader sees it: no backticks or emphasis, one space between words. */
export function headingText(node) {
  return toString(node).replace(/\s+/g, " ").trim();
}

/** Every heading's text in a parsed document, in order. */
export function headingsOf(tree) {
  const found = [];
  visit(tree, "heading", (node) => {
    found.push(headingText(node));
  });
  return found;
}

/** Headings and word counts of all documentation files under `root`: `{ file, headings, words }[]`. */
export function readDocs(root) {
  const parser = unified().use(remarkParse);
  return docFiles(root).map((file) => {
    const text = readFileSync(join(root, file), "utf8");
    return { file, headings: headingsOf(parser.parse(text)), words: text.split(/\s+/).filter(Boolean).length };
  });
}
