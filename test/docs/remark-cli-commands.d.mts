import type { Plugin } from "unified";
export interface HelpCommand {
  words: string[];
  options: Set<string>;
}
export function parseHelp(help: string): HelpCommand[];
export function checkCommand(shown: string, commands: HelpCommand[]): string | undefined;
declare const remarkCliCommands: Plugin<[{ help?: string }?]>;
export default remarkCliCommands;
