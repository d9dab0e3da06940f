import js from "@eslint/js";
import "./lint/typescript-api.mjs";

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
  // The import graph runs one way: cli/ -> adapters/ -> gateway/. The core receives the adapters'
  // config spec and the built adapters from the composition root (cli/hub.ts) and imports neither;
  // lint/imports.mjs checks the indirect ways in as well.
  {
    files: ["gateway/**/*.{ts,mjs}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(\\.\\./)+(adapters|cli)(/|$)",
              message:
                "gateway/ is the core: it imports no adapter and no CLI module; take what an adapter adds as data from the composition root (cli/hub.ts).",
            },
          ],
        },
      ],
    },
  },
);
