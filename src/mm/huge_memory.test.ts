import { describe, expect, it } from "vitest";
import { Kernel } from "../kernel/kernel.js";
import { VM_NO_KHUGEPAGED, hugepage_flags_always, hugepage_flags_enabled, hugepage_init, setup_transparent_hugepage, thp_defrag_show, thp_enabled_show, thp_enabled_store } from "./huge_memory.js";
import { VM_DONTEXPAND, VM_HUGETLB, VM_IO, VM_MIXEDMAP, VM_PFNMAP } from "./mm_types.js";

describe("THP flags", () => {
  it("default to Debian's always with defrag madvise", () => {
    const k = new Kernel(1);
    expect(thp_enabled_show(k)).toBe("[always] madvise never\n");
    expect(thp_defrag_show(k)).toBe("always defer defer+madvise [madvise] never\n");
    expect(hugepage_flags_always(k)).toBe(true);
  });

  it("are all cleared by hugepage_init below 512 MiB, even after transparent_hugepage=always", () => {
    const k = new Kernel(1);
    setup_transparent_hugepage(k, "always");
    expect(hugepage_init(k, 117104)).toBe(false);
    expect(thp_enabled_show(k)).toBe("always madvise [never]\n");
    expect(thp_defrag_show(k)).toBe("always defer defer+madvise madvise [never]\n");
    expect(hugepage_flags_enabled(k)).toBe(false);
  });

  it("survive hugepage_init at 512 MiB and above, with the boot option applied", () => {
    const k = new Kernel(1);
    setup_transparent_hugepage(k, "madvise");
    expect(hugepage_init(k, 131072)).toBe(true);
    expect(thp_enabled_show(k)).toBe("always [madvise] never\n");
    expect(hugepage_flags_enabled(k)).toBe(true);
    expect(hugepage_flags_always(k)).toBe(false);
  });

  it("accept the three modes on the enabled file and reject others", () => {
    const k = new Kernel(1);
    expect(thp_enabled_store(k, "never\n")).toBe(true);
    expect(thp_enabled_show(k)).toBe("always madvise [never]\n");
    expect(thp_enabled_store(k, "sometimes")).toBe(false);
    expect(thp_enabled_show(k)).toBe("always madvise [never]\n");
  });
});

describe("VM_NO_KHUGEPAGED", () => {
  it("is include/linux/mm.h's VM_HUGETLB | VM_SPECIAL, written out for the import cycle", () => {
    // VM_SPECIAL is VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP (include/linux/mm.h).
    expect(VM_NO_KHUGEPAGED).toBe(VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_MIXEDMAP | VM_HUGETLB);
  });
});
