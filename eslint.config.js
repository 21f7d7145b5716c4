// Lint rules that keep the architecture true (docs/design.md §3, §6; docs/architecture.md,
// "The folder dependency graph", lists the same graph and test/deps.test.ts checks it from the
// imports themselves).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// ---------------------------------------------------------------------------------------------
// Imports. ESLint keeps one set of options per rule per file (a later config object replaces an
// earlier one's), so each folder's rule is built whole here: the model's purity (no Node) plus
// the folders it may not reach.

const NODE_ONLY_IN_CLI = "Only src/cli/ may import Node modules; the model must stay pure.";
// Bare names are listed exactly (a pattern "fs" would also match our own src/fs/).
const nodePaths = ["fs", "fs/promises", "path", "os", "child_process", "process", "url", "util", "crypto", "worker_threads", "perf_hooks"].map((name) => ({ name, message: NODE_ONLY_IN_CLI }));
const nodePatterns = [{ group: ["node:*"], message: NODE_ONLY_IN_CLI }];

/** Import patterns for a folder's imports (matched against the import string, gitignore style). */
const MODEL = ["**/mm/*", "**/kernel/*", "**/arch/**", "**/fs/**", "**/lib/*", "**/drivers/**", "**/ipc/*"];
const SHELLS = ["**/cli/*", "**/api/*", "**/workload/*"];

/** no-restricted-imports for a folder: no Node (unless `node` is true), and none of `groups`. */
function restrictImports(groups, { node = false } = {}) {
  return [
    "error",
    {
      ...(node ? {} : { paths: nodePaths }),
      patterns: [...(node ? [] : nodePatterns), ...groups],
    },
  ];
}

const importRules = [
  {
    // Everything under src/ but the CLI: no Node (each folder below restates this with its own
    // restrictions, since a later rule replaces an earlier one's options).
    files: ["src/**/*.ts"],
    ignores: ["src/cli/**", "src/**/*.test.ts"],
    rules: { "no-restricted-imports": restrictImports([]) },
  },
  {
    // The CLI is a thin shell: it reaches the model only through the public API.
    files: ["src/cli/**/*.ts"],
    ignores: ["src/cli/**/*.test.ts"],
    rules: {
      "no-restricted-imports": restrictImports([{ group: [...MODEL, "**/sim/*", "**/workload/*", "**/decode/*", "**/procps/*", "**/replay/*", "**/libc/*", "**/api/internals.js"], message: "The CLI uses the public API only: import from src/api/index.js." }], { node: true }),
    },
  },
  {
    // The public API re-exports the engine (src/sim/index.ts), scenarios, decode and procps; the
    // kernel's objects only through internals.ts, the documented escape hatch.
    files: ["src/api/**/*.ts"],
    // internals.ts is the escape hatch; inspect.ts, the explorer's read-only views of the
    // kernel's state (unstable, plain values out), reads the model on purpose too.
    ignores: ["src/api/internals.ts", "src/api/inspect.ts", "src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": restrictImports([
        { group: [...MODEL, "**/sim/*", "!**/sim/index.js"], message: "src/api reaches the engine through src/sim/index.ts; kernel objects only in api/internals.ts." },
        { group: ["**/cli/*"], message: "Imports point one way: cli → api, never back." },
      ]),
    },
  },
  {
    // Scenarios run on the public Machine and Process API: src/sim/index.ts, nothing below it.
    files: ["src/workload/**/*.ts"],
    ignores: ["src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": restrictImports([
        { group: [...MODEL, "**/sim/*", "!**/sim/index.js"], message: "src/workload uses the engine's public surface only: import from src/sim/index.js." },
        { group: ["**/cli/*", "**/api/*"], message: "Imports point one way: cli → api → workload, never back." },
      ]),
    },
  },
  {
    // mmsim validate's model side: the runner, and the model itself for its calibration (listed
    // in docs/architecture.md's graph); nothing above it.
    files: ["src/validate/**/*.ts"],
    ignores: ["src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": restrictImports([{ group: ["**/cli/*", "**/api/*"], message: "Imports point one way: cli → api → validate, never back." }]),
    },
  },
  {
    // The engine assembles the model; it does not know the shells above it.
    files: ["src/sim/**/*.ts"],
    ignores: ["src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": restrictImports([{ group: [...SHELLS, "**/decode/*", "**/procps/*"], message: "Imports point one way: api and workload → sim → model, never back." }]),
    },
  },
  {
    // Readers of real systems' text share the model's vocabulary by value, not its internals.
    // Today's exceptions, listed: decode/buddyinfo.ts (zone names from mm/mmzone) and
    // decode/gfp_eras.ts (GFP bits from mm/gfp), which issue 12's decode work removes.
    files: ["src/decode/**/*.ts", "src/procps/**/*.ts"],
    ignores: ["src/**/*.test.ts", "src/decode/buddyinfo.ts", "src/decode/gfp_eras.ts"],
    rules: {
      "no-restricted-imports": restrictImports([{ group: [...MODEL, "**/sim/*", ...SHELLS], message: "decode and procps depend on nothing of the model: they read text." }]),
    },
  },
  {
    files: ["src/decode/buddyinfo.ts", "src/decode/gfp_eras.ts"],
    rules: {
      "no-restricted-imports": restrictImports([{ group: ["**/kernel/*", "**/arch/**", "**/fs/**", "**/sim/*", ...SHELLS], message: "decode and procps depend on nothing of the model: they read text." }]),
    },
  },
  {
    // The model: pure, and ignorant of everything built on it. Test helpers (*.testutil.ts, which
    // the build leaves out: test/deps.test.ts) are test code, like the tests beside them.
    files: ["src/mm/**/*.ts", "src/kernel/**/*.ts", "src/arch/**/*.ts", "src/fs/**/*.ts", "src/lib/**/*.ts", "src/drivers/**/*.ts", "src/ipc/**/*.ts"],
    ignores: ["src/**/*.test.ts", "src/**/*.testutil.ts"],
    rules: {
      "no-restricted-imports": restrictImports([{ group: ["**/sim/*", ...SHELLS, "**/decode/*", "**/procps/*"], message: "The model imports nothing built on it (sim, workload, api, cli, decode, procps)." }]),
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Names (docs/design.md §6): kernel things keep the kernel's spelling in the model's folders
// (src/mm, kernel, arch, fs, lib, drivers) — __rmqueue_smallest, PG_writeback, ___GFP_ZERO,
// vm_area_struct, and camelCase for the model's own plumbing (preferredZoneOf) — which no format
// rule can check, so the model has none; engine, API, scenario, CLI and web code uses camelCase
// and PascalCase (UPPER_CASE constants), so the casing says which world a name belongs to.
// Object properties are free in both (JSON reports keep snake_case keys such as t_ns; kernel
// structures keep their fields).

const shellNames = [
  "error",
  { selector: "variable", format: ["camelCase", "UPPER_CASE", "PascalCase"] },
  { selector: ["function", "parameter", "classMethod", "classProperty", "accessor", "parameterProperty"], format: ["camelCase"], leadingUnderscore: "allow" },
  { selector: "typeLike", format: ["PascalCase"] },
];
export default tseslint.config(
  { ignores: ["dist/**", "build/**", "node_modules/**", "coverage/**", "reports/**", "web/dist/**"] },
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
  ...importRules,
  {
    // The model runs in a browser Web Worker too: only the CLI shell may touch Node.
    files: ["src/**/*.ts"],
    ignores: ["src/cli/**", "src/**/*.test.ts"],
    rules: {
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
    files: ["src/api/**/*.ts", "src/sim/**/*.ts", "src/workload/**/*.ts", "src/cli/**/*.ts", "web/**/*.ts"],
    // The invariant checkers read kernel state under the kernel's names (check_swap_invariants).
    ignores: ["src/**/*.test.ts", "src/sim/invariants/**"],
    rules: { "@typescript-eslint/naming-convention": shellNames },
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
