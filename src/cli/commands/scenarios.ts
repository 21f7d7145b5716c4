/**
 * `mmsim scenarios`: the shipped scenarios, one per line with its description, as
 * `mmsim run NAME` runs them.
 */
import type { Command } from "commander";
import { ScenarioError } from "../../api/index.js";
import type { CliIo } from "../main.js";
import { loadScenario, shippedScenarios } from "./run.js";

/** Adds the `scenarios` subcommand. */
export function registerScenarios(program: Command, io: CliIo): void {
  program
    .command("scenarios")
    .description("list the shipped scenarios (run one with mmsim run NAME)")
    .option("--json", "print [{name, description}] as JSON")
    .action((o: { json?: boolean }) => {
      const list = shippedScenarios().map((name) => {
        try {
          return { name, description: loadScenario(name).description };
        } catch (e) {
          // A broken shipped file is a bug in mmsim, but listing should still show the rest.
          return { name, description: e instanceof ScenarioError ? `(invalid: ${e.message})` : "(unreadable)" };
        }
      });
      if (o.json) {
        io.out(JSON.stringify(list, null, 2) + "\n");
        return;
      }
      const w = Math.max(4, ...list.map((s) => s.name.length));
      for (const s of list) io.out(`${s.name.padEnd(w)}  ${s.description}\n`);
    });
}
