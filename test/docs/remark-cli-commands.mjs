// Every `ozg-hub …` command the documentation shows must exist in the CLI's own help
// (`ozg-hub --help`): its subcommand words must name a command of the help, and each option
// it passes must be listed for that command. Documentation that drifts from the CLI
// misleads exactly the operator who copies a command from it.
// Looked at: inline code and code-block lines that begin with `ozg-hub ` (or `$ ozg-hub `),
// and the first column of the command table under the heading that names `ozg-hub`.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { visit } from "unist-util-visit";
import { toString } from "mdast-util-to-string";

/** The commands of the help text: `{ words: ["mappings","test"], options: Set }` per usage line. */
export function parseHelp(help) {
  const commands = [];
  let current;
  for (const line of help.split("\n")) {
    const usage = /^ {2}([a-z][a-z-]*(?: [a-z][a-z-]*)?)(?=\s|$)(.*)$/.exec(line);
    if (usage) {
      current = { words: usage[1].split(" "), options: new Set() };
      commands.push(current);
    }
    // Options may be listed on the usage line or in the description below it.
    if (current && /^ /.test(line)) for (const option of line.matchAll(/--[a-z][a-z-]*/g)) current.options.add(option[0]);
    if (!/^ /.test(line)) current = undefined;
  }
  return commands;
}

/** What is wrong with one shown command line (without the leading `ozg-hub`), or undefined. */
export function checkCommand(shown, commands) {
  const tokens = shown.trim().replace(/[[\]]/g, " ").split(/\s+/).filter(Boolean);
  if (["--help", "-h", "help"].includes(tokens[0] ?? "")) return undefined;
  const words = [];
  for (const token of tokens) {
    if (!/^[a-z][a-z-]*$/.test(token)) break;
    words.push(token);
  }
  const matching = commands.filter((command) => command.words.every((word, i) => words[i] === word));
  const best = matching.sort((a, b) => b.words.length - a.words.length)[0];
  if (!best) return `"ozg-hub ${shown.trim()}": no such command in ozg-hub --help`;
  const known = new Set(matching.filter((command) => command.words.length === best.words.length).flatMap((command) => [...command.options]));
  const unknown = tokens
    .filter((token) => token.startsWith("--"))
    .map((token) => token.replace(/=.*$/, ""))
    .filter((option) => !known.has(option));
  if (unknown.length > 0) return `"ozg-hub ${shown.trim()}": ${unknown.join(", ")} not listed for "${best.words.join(" ")}" in ozg-hub --help`;
  return undefined;
}

let cachedHelp;
function helpOf(cwd) {
  cachedHelp ??= execFileSync(process.execPath, [join(cwd, "bin/ozg-hub.mjs"), "--help"], { cwd, encoding: "utf8" });
  return cachedHelp;
}

/** remark plugin: reports every shown `ozg-hub` command the CLI's help does not know. */
export default function remarkCliCommands(options = {}) {
  return (tree, file) => {
    const commands = parseHelp(options.help ?? helpOf(file.cwd));
    const check = (shown, node) => {
      const problem = checkCommand(shown.split(/\s(?:#|\||&&|>)/)[0], commands);
      if (problem) file.message(problem, node, "cli-commands:unknown");
    };
    visit(tree, "inlineCode", (node) => {
      const shown = /^ozg-hub\s+(.+)$/.exec(node.value);
      if (shown) check(shown[1], node);
    });
    visit(tree, "code", (node) => {
      for (const line of node.value.split("\n")) {
        const shown = /^(?:\$ )?ozg-hub\s+(.+)$/.exec(line.trim());
        if (shown) check(shown[1], node);
      }
    });
    // The command table lists commands without the program name. remark without GFM reads a
    // table as a paragraph, so the first column is the inline code that begins a "| " line.
    let inCliSection = false;
    for (const node of tree.children) {
      if (node.type === "heading") inCliSection = /ozg-hub/.test(toString(node)) && /command/i.test(toString(node));
      if (!inCliSection || node.type !== "paragraph") continue;
      let line = "";
      for (const child of node.children) {
        if (child.type === "inlineCode" && /^\s*\|\s*$/.test(line)) for (const shown of child.value.split(" / ")) check(shown, child);
        const value = child.type === "text" || child.type === "inlineCode" ? child.value : "x";
        line = value.includes("\n") ? value.slice(value.lastIndexOf("\n") + 1) : line + value;
      }
    }
  };
}
