/**
 * Reclaim of a parent memcg reads its subtree's statistics (test/realkernel/data/v-noisy-neighbour:
 * scenarios/noisy-neighbour.yaml run on 6.1 by `mmsim validate --capture`). /pod (memory.max 96M)
 * holds no page of its own: /pod/app's 48 MiB of anon and /pod/cache's streamed file are its
 * children's. When /pod/cache's charges hit /pod's limit, prepare_scan_count reads
 * lruvec_page_state(/pod's lruvec, NR_INACTIVE_FILE): the subtree's inactive file, tens of MiB,
 * and with no file activations (may_deactivate without DEACTIVATE_FILE) sets cache_trim_mode, so
 * get_scan_count picks SCAN_FILE and /pod/app's anon is never scanned — pgscan 0 in the real
 * app.stat. Reading /pod's own (empty) lists instead, as the model once did, left cache_trim_mode
 * off and scanned 32 591 of the app's pages (stealing 12).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../workload/parse.js";
import { runScenario } from "../workload/runner.js";
import { keyed } from "./memcontrol.testutil.js";

const DATA = "test/realkernel/data/v-noisy-neighbour";

describe("memcg reclaim of a parent reads the subtree (noisy-neighbour against 6.1)", () => {
  it("never scans the anon neighbour while the cache's inactive file pages can be trimmed", () => {
    const sc = parseScenario(readFileSync(`${DATA}/scenario.yaml`), `${DATA}/scenario.yaml`);
    const r = runScenario(sc);
    const cap = (label: string): Record<string, number> => keyed(r.captures.find((c) => c.label === label)?.text ?? "");
    const real = (f: string): Record<string, number> => keyed(readFileSync(`${DATA}/${f}`, "utf8"));
    const app = cap("app.stat");
    const rapp = real("app.stat");
    expect(rapp.pgscan).toBe(0);
    expect(app.pgscan).toBe(rapp.pgscan);
    expect(app.pgsteal).toBe(rapp.pgsteal);
    // the whole 48 MiB working set stays charged and mapped (real 50388992 bytes: with page tables' worth of image)
    expect(Math.abs(app.anon - rapp.anon) / rapp.anon).toBeLessThan(0.02);
    // the cache paid for its own streaming: every page of the second pass refaulted, none activated
    const cache = cap("cache.stat");
    const rcache = real("cache.stat");
    expect(cache.workingset_refault_file).toBe(rcache.workingset_refault_file);
    expect(cache.workingset_activate_file).toBe(rcache.workingset_activate_file);
  }, 120_000);
});
