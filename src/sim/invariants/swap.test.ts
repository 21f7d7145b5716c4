import { describe, expect, it } from "vitest";
import { start_kernel } from "../../kernel/start_kernel.js";
import { follow_pte } from "../../mm/memory.js";
import { lru_add_drain } from "../../mm/swap.js";
import { sys_swapon } from "../../mm/swapfile.js";
import { evict, unmapToSwap } from "../../mm/swapfile.testutil.js";
import { swp_offset } from "../../mm/swapops.js";
import { spawnProcess } from "../process.js";
import { check_swap_invariants } from "./swap.js";
import { taskOf } from "../../api/internals.js";

function machine() {
  const k = start_kernel({ memory: 128 * 2 ** 20 });
  sys_swapon(k, k.tasks.init, "/dev/vda", { size: 8 * 2 ** 20 });
  const p = spawnProcess(k, { comm: "inv", image: null });
  const a = p.mmap(4 * 4096, { prot: "rw", flags: "private|anonymous" });
  p.write(a, 4 * 4096);
  lru_add_drain(k);
  const pfns = [0, 1, 2, 3].map((i) => follow_pte(k, taskOf(p).mm!, a + i * 4096)!.pfn);
  return { k, p, a, pfns };
}

describe("check_swap_invariants", () => {
  it("passes on a machine with pages swapped out, in the swap cache, and forked", () => {
    const { k, p, pfns } = machine();
    evict(k, pfns[0]);
    unmapToSwap(k, pfns[1]);
    p.fork();
    expect(() => check_swap_invariants(k)).not.toThrow();
  });

  it("catches a swap_map count that differs from the PTEs", () => {
    const { k, pfns } = machine();
    const entry = evict(k, pfns[0]);
    k.swap.swap_info[0]!.swap_map[swp_offset(entry)]++;
    expect(() => check_swap_invariants(k)).toThrow(/swap_map count differs/);
  });

  it("catches a swap-cache page that was freed", () => {
    const { k, pfns } = machine();
    unmapToSwap(k, pfns[0]);
    k.mem_map._refcount[pfns[0]] = 0;
    expect(() => check_swap_invariants(k)).toThrow(/swap-cache page is free/);
  });

  it("catches nr_swap_pages out of step with the free slots", () => {
    const { k } = machine();
    k.nr_swap_pages--;
    expect(() => check_swap_invariants(k)).toThrow(/nr_swap_pages/);
  });
});
