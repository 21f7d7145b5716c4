// Lint rules that keep the architecture true (DESIGN.md §3, §6).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "reports/**", "web/dist/**", "build/**"] },
  js.configs.recommended,
  { files: ["scripts/**/*.mjs", "*.js"], languageOptions: { globals: { process: "readonly", console: "readonly" } } },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  {
    // The CLI is a thin shell: it reaches the model only through the public API (src/api).
    files: ["src/cli/**/*.ts"],
    ignores: ["src/cli/**/*.test.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{
          group: ["**/mm/*", "**/kernel/*", "**/arch/*", "**/fs/*", "**/sim/*", "**/workload/*", "**/decode/*", "**/procps/*", "**/replay/*", "**/libc/*"],
          message: "The CLI uses the public API only: import from src/api/index.js.",
        }],
      }],
    },
  },
  {
    // The model runs in a browser Web Worker too: only the CLI shell may touch Node.
    files: ["src/**/*.ts"],
    ignores: ["src/cli/**", "src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        // Bare names are listed exactly (a pattern "fs" would also match our own src/fs/).
        paths: ["fs", "fs/promises", "path", "os", "child_process", "process", "url", "util", "crypto", "worker_threads", "perf_hooks"]
          .map((name) => ({ name, message: "Only src/cli/ may import Node modules; the model must stay pure." })),
        patterns: [{ group: ["node:*"], message: "Only src/cli/ may import Node modules; the model must stay pure." }],
      }],
      "no-restricted-globals": ["error",
        { name: "process", message: "No Node globals in the model." },
        { name: "Buffer", message: "No Node globals in the model." },
        { name: "window", message: "No DOM in the model." },
        { name: "document", message: "No DOM in the model." },
      ],
      "no-restricted-properties": ["error",
        { object: "Math", property: "random", message: "Use the Machine's seeded PRNG (determinism)." },
        { object: "Date", property: "now", message: "Use the simulated clock (determinism)." },
        { object: "performance", property: "now", message: "Use the simulated clock (determinism)." },
      ],
    },
  },
  {
    // The explorer's scripts: node, and (browser-tests) callbacks that run in the page.
    files: ["scripts/kernel-symbols.mjs", "scripts/browser-tests.mjs"],
    languageOptions: { globals: { URL: "readonly" } },
  },
  {
    files: ["scripts/browser-tests.mjs"],
    languageOptions: { globals: { window: "readonly", document: "readonly", location: "readonly", Event: "readonly" } },
  },
  {
    // The explorer (web/): browser code, TSX. It reaches the model only through the public API
    // (src/api), and only from its worker; the page itself never imports the model's code.
    files: ["web/**/*.{ts,tsx}"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-imports": ["error", {
        patterns: [{
          group: ["**/src/mm/*", "**/src/kernel/*", "**/src/arch/*", "**/src/fs/*", "**/src/sim/*", "**/src/workload/*", "**/src/decode/*", "**/src/procps/*", "**/src/cli/*"],
          message: "The explorer uses the public API only: import from src/api/.",
        }],
      }],
    },
  },
  {
    files: ["web/src/**/*.{ts,tsx}"],
    ignores: ["web/src/worker/**"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{
          regex: "src/api/(index|inspect)\\.js$",
          allowTypeImports: true,
          message: "The page runs no model code: only the worker (web/src/worker/) imports src/api; the page imports its types.",
        }],
      }],
    },
  },
);
