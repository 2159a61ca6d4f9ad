// Lint for the web client (`npm run lint`, run by ./test): TypeScript's recommended type-aware rules and React's
// hooks rules, which catch missing effect dependencies and the like.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default defineConfig(
  // Generated from the server's OpenAPI document (scripts/api-types): fixed by regenerating, never by hand.
  { ignores: ["src/api/schema.ts"] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  reactHooks.configs.flat.recommended,
  {
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // useLoad(load, deps) takes a dependency list like useCallback: check it the same way at every call.
      "react-hooks/exhaustive-deps": ["error", { additionalHooks: "^useLoad$" }],
      // `const { dropped, ...rest } = x` is how a field is left out of a copy.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
    },
  },
  {
    files: ["eslint.config.js"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
);
