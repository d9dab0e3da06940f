import type { Plugin } from "unified";
export function unresolvedReferences(text: string, own: string[], elsewhere: { file: string; heading: string }[]): { index: number; message: string }[];
declare const remarkSeeReferences: Plugin;
export default remarkSeeReferences;
