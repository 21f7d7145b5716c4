/**
 * Protection keys as 6.1 answers them on a CPU without PKU (the model's qemu64): see pkeys.ts for
 * the derivation from arch/x86/include/asm/pkeys.h and mm/mprotect.c.
 */
import { describe, expect, it } from "vitest";
import { Machine } from "../../api/index.js";
import { errnoOf } from "../../kernel/errno.testutil.js";


describe("pkeys without PKU (arch/x86/include/asm/pkeys.h, mm/mprotect.c)", () => {
  it("pkey_alloc: EINVAL first (arch_set_user_pkey_access), then ENOSPC (key 0 stays taken)", () => {
    const m = Machine.boot();
    const p = m.spawn({ name: "p" });
    expect(errnoOf(() => p.pkeyAlloc(1))).toBe("EINVAL"); // flags
    expect(errnoOf(() => p.pkeyAlloc(0, 4))).toBe("EINVAL"); // init_val beyond PKEY_ACCESS_MASK
    expect(errnoOf(() => p.pkeyAlloc())).toBe("EINVAL");
    expect(errnoOf(() => p.pkeyAlloc())).toBe("ENOSPC");
    expect(errnoOf(() => p.pkeyAlloc(0, 1))).toBe("ENOSPC");
    // a forked child's mm is a copy (dup_mm), an exec'd program's a fresh one
    expect(errnoOf(() => p.fork().pkeyAlloc())).toBe("ENOSPC");
    expect(errnoOf(() => m.spawn({ name: "q" }).pkeyAlloc())).toBe("EINVAL");
  });

  it("pkey_free and pkey_mprotect refuse every key, 0 included (it is execute_only_pkey)", () => {
    const m = Machine.boot();
    const p = m.spawn({ name: "p" });
    const a = p.mmap(8192);
    for (const k of [0, 1, 15, 16, -2]) {
      expect(errnoOf(() => p.pkeyFree(k)), `free ${k}`).toBe("EINVAL");
      expect(errnoOf(() => p.pkeyMprotect(a, 4096, "r", k)), `mprotect ${k}`).toBe("EINVAL");
    }
    expect(errnoOf(() => p.pkeyMprotect(a, 4096, "r", -1))).toBe("ok");
    expect(m.read(`/proc/${p.pid}/smaps`)).not.toContain("ProtectionKey");
  });
});
