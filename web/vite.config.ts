// The explorer's build: a static folder (dist/web) that works from any host, offline. The model
// (src/api) is bundled into the Web Worker; the page itself holds only the UI.
import { defineConfig } from "vite";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The shipped scenarios' `description:` lines by name, for the page's lists: the texts themselves
 * are assets fetched on demand (web/src/scenarios.ts), so the lists get their tooltips from here.
 */
function shippedDescriptions(): Record<string, string> {
  const dir = fileURLToPath(new URL("../scenarios", import.meta.url));
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".yaml")).sort()) {
    const m = /^description:\s*"?(.*?)"?\s*$/m.exec(readFileSync(`${dir}/${f}`, "utf8"));
    out[f.slice(0, -".yaml".length)] = m ? m[1] : "";
  }
  return out;
}

export default defineConfig(({ command }) => ({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  publicDir: "public",
  define: { MMSIM_SHIPPED_DESCRIPTIONS: JSON.stringify(shippedDescriptions()) },
  // The JSX transform's development form (jsxDEV with each element's file, line and column) only
  // for the dev server. Left to Vite, a build under NODE_ENV=test — vitest sets it, and
  // src/cli/bin.test.ts runs `npm run build` — came out in that form: absolute source paths in
  // the shipped chunks and 3 kB more gzipped, and the browser tests after `npm test` ran on it.
  oxc: { jsx: { runtime: "automatic", importSource: "preact", development: command === "serve" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000,
    // The shipped scenarios are assets the page fetches (web/src/scenarios.ts), never inlined.
    assetsInlineLimit: (file) => (file.endsWith(".yaml") ? false : undefined),
  },
  worker: {
    format: "es",
    rolldownOptions: {
      // No module of the model does work when it is imported (DESIGN.md principle 6: /proc files,
      // sysctls and kthreads are set up at boot), so a module's top-level statements whose results
      // nothing uses can go: unused frozen tables, and the replay, procps and validate modules the
      // worker reaches only through such constants (1.3 kB gzipped).
      treeshake: { moduleSideEffects: false },
      // The minifier kept 246 /* @__PURE__ */ annotations and the yaml package's istanbul hints in
      // the worker's bundle (0.5 kB gzipped); the page's chunks carry none.
      output: { comments: false },
    },
  },
  server: { host: "127.0.0.1", fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] } },
}));
