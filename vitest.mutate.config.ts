// The vitest configuration `npm run mutate` (stryker.config.mjs) runs the suite with: the
// project's, less src/cli/bin.test.ts, which runs the compiled CLI in dist/ — code Stryker never
// mutates (it instruments src/), so that test can neither kill a mutant nor pass in a sandbox
// copied before dist/ was built.
import { configDefaults, defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

export default mergeConfig(base, defineConfig({ test: { exclude: [...configDefaults.exclude, "src/cli/bin.test.ts"] } }));
