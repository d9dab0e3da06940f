import { createRequire, Module } from "node:module";

// typescript 7 (the compiler this project builds with) ships no JavaScript API, which the
// typescript-eslint parser and madge's TypeScript detective need. Tooling that imports this
// module parses with typescript 5.9, installed under another name; type checking stays with
// `tsc --noEmit` (typescript 7).
const require = createRequire(import.meta.url);
const parserTypescript = require.resolve("typescript-eslint-parser-ts");
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === "typescript" ? parserTypescript : request, ...rest);
};
