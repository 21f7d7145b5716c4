// The vitest configuration `npm run mutate` (stryker.config.mjs) runs the suite with: the
// project's, less src/cli/bin.test.ts, which runs the compiled CLI in dist/ — code Stryker never
// mutates (it instruments src/), so that test can neither kill a mutant nor pass in a sandbox
// copied before dist/ was built. `npm run mutate -- FILE --tests GLOB,…` (MMSIM_MUTATE_TESTS)
// narrows the suite to the given test files: the dry run then takes seconds instead of the whole
// suite's minutes, and the score counts only those files' kills (a lower bound).
import { configDefaults, defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

const only = (process.env.MMSIM_MUTATE_TESTS ?? "").split(",").filter(Boolean);
const config = mergeConfig(base, defineConfig({ test: { exclude: [...configDefaults.exclude, "src/cli/bin.test.ts"] } }));
// mergeConfig concatenates arrays, so the narrower list replaces the project's afterwards.
if (only.length > 0) config.test = { ...config.test, include: only };

export default config;
