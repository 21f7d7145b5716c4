/**
 * Where the repository's files are, whether a bench runs from bench/ (tsx) or from build/bench/
 * (`npm run bench` compiles with tsc first).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root: the nearest ancestor of this module that holds package.json. */
export const repoRoot = [join(here, ".."), join(here, "..", "..")].find((d) => existsSync(join(d, "package.json"))) ?? join(here, "..");

/** A path inside the repository. */
export function repoFile(...parts: string[]): string {
  return join(repoRoot, ...parts);
}
