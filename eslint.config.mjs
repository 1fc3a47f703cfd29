// ESLint: correctness rules only; layout is Prettier's (eslint-config-prettier is not needed because no
// stylistic rules are enabled here).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "dist/",
      "lib/",
      ".venv/",
      "extension/labextension/",
      "extension/lib/",
      "bench/results/",
      "test-results/",
      ".nodes/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Models, shipped values and worker messages are untyped by nature (structured clone, user code):
      // `any` at those boundaries is deliberate.
      "@typescript-eslint/no-explicit-any": "off",
      // `require` is how the kernel loads tslab's internals and modules for user code at run time.
      "@typescript-eslint/no-require-imports": "off",
      // Shipping and sharing take any user function or class and read its source and prototype; `Function`
      // is the honest type there.
      "@typescript-eslint/no-unsafe-function-type": "off",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
    },
  },
  {
    // A kernel folder imports the map seam, the worker pool and the timeline through their index: their other
    // files are free to move, and a second backend cannot grow into the first one's internals (the cluster
    // once imported nine of the pool's modules). Files inside each of those folders import each other freely
    // ("./x" never matches these patterns).
    files: ["kernel/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "**/pool/*",
                "**/map/*",
                "**/timeline/*",
                "!**/pool/index",
                "!**/map/index",
                "!**/timeline/index",
              ],
              message:
                'import kernel/pool, kernel/map and kernel/timeline through their index ("../pool"), not a file inside',
            },
          ],
        },
      ],
      // The same boundary for the lazy forms (`require("../pool/x")`, `import("../pool/x")`), which
      // no-restricted-imports does not see. A folder's own files use "./x" and never match.
      "no-restricted-syntax": [
        "error",
        ...["CallExpression[callee.name='require']", "ImportExpression"].map((call) => ({
          selector: `${call} > Literal[value=/(^|\\/)(pool|map|timeline)\\/(?!index$)[^/]+$/]`,
          message:
            'require kernel/pool, kernel/map and kernel/timeline through their index ("../pool"), not a file inside',
        })),
      ],
    },
  },
  {
    files: ["extension/src/**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
);
