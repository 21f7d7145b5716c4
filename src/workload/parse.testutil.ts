import { parseScenario } from "./parse.js";
import { ScenarioError } from "./schema.js";

/** The located message a scenario text is refused with, or "parsed" when it is accepted. */
export function scenarioError(text: string): string {
  try {
    parseScenario(text, "s.yaml");
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  return "parsed";
}
