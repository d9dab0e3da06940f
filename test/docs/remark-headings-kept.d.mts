import type { Plugin } from "unified";
export function keptProblems(kept: { minimumWords: number; headings: string[] }, docs: { file: string; headings: string[]; words: number }[]): string[];
declare const remarkHeadingsKept: Plugin;
export default remarkHeadingsKept;
