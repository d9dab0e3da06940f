import { createRequire, Module } from "node:module";
import js from "@eslint/js";

// typescript 7 (the compiler this project builds with) ships no JavaScript API, which the
// typescript-eslint parser needs. The linter therefore parses with typescript 5.9, installed
// under another name; type checking stays with `tsc --noEmit` (typescript 7).
const require = createRequire(import.meta.url);
const parserTypescript = require.resolve("typescript-eslint-parser-ts");
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === "typescript" ? parserTypescript : request, ...rest);
};
const { default: tseslint } = await import("typescript-eslint");

export default tseslint.config(
  { ignores: ["node_modules/", "coverage/", "schemas/", "gateway/store/migrations/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Plain JavaScript (bin/, configs) runs on Node; TypeScript files get their globals from @types/node.
  { files: ["**/*.{js,mjs,cjs}"], languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly" } } },
  {
    languageOptions: { ecmaVersion: 2023, sourceType: "module" },
    rules: {
      // Unused names are mistakes, except the `_`-prefixed ones that keep a signature readable.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // Parsed XML, SOAP client results and test doubles are `any` on purpose at their edges.
      "@typescript-eslint/no-explicit-any": "off",
      // `x!` after a check the compiler cannot follow (regex groups, Map lookups) is house style.
      "@typescript-eslint/no-non-null-assertion": "off",
      // A `void` expression marks a promise whose rejection is handled elsewhere.
      "no-void": "off",
      // Control characters are matched on purpose in XML and header validation.
      "no-control-regex": "off",
    },
  },
);
