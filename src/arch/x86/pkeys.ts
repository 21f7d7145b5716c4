/**
 * Memory protection keys (x86 PKU) as 6.1 answers them on the model's CPU, QEMU's TCG default
 * `qemu64`, which has no PKU: X86_FEATURE_OSPKE is clear, so arch_max_pkey() is 1, init_new_context
 * leaves mm->context.pkey_allocation_map at 0 and execute_only_pkey at 0 (the mm is zeroed and
 * only an OSPKE CPU sets them to 1 and -1), and arch_set_user_pkey_access refuses every key.
 * What follows from the kernel's own code on such a CPU, checked line by line:
 *   - pkey_alloc(0, 0), first call: mm_pkey_alloc finds map 0 ≠ all_pkeys_mask 1, takes key 0
 *     (map = 1); arch_set_user_pkey_access → -EINVAL; mm_pkey_free(0) fails (key 0 is the
 *     "execute-only" key 0), so the bit stays set: the call returns EINVAL.
 *   - pkey_alloc again: map == all_pkeys_mask → -ENOSPC, for good.
 *   - pkey_free(k) and pkey_mprotect(…, k) for any k ≥ 0: mm_pkey_is_allocated is false (k ≥ 1
 *     is past arch_max_pkey, 0 is execute_only_pkey) → EINVAL; pkey -1 is plain mprotect.
 *   - fork: dup_mm copies the context (arch_dup_pkeys returns early without OSPKE, memcpy
 *     already copied it); exec starts from a zeroed mm.
 *   - /proc/PID/smaps prints no ProtectionKey line (arch_pkeys_enabled() is false).
 * Simplified: the PKU CPU path (16 keys, the VMA's VM_PKEY_BIT0..3 in vm_flags, PKRU, the
 * execute-only key, ProtectionKey: in smaps) is not modelled; the model's CPU does not have it.
 * @kernel arch/x86/include/asm/pkeys.h arch_max_pkey, mm_pkey_is_allocated, mm_pkey_alloc, mm_pkey_free
 * @kernel arch/x86/include/asm/mmu_context.h init_new_context, arch_dup_pkeys
 * @kernel arch/x86/kernel/fpu/xstate.c arch_set_user_pkey_access
 * @kernel mm/mprotect.c pkey_alloc, pkey_free
 */
import type { mm_struct } from "../../mm/mm_types.js";

const EINVAL = -22;
const ENOSPC = -28;
/** PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE: the init_val bits pkey_alloc accepts. */
export const PKEY_ACCESS_MASK = 0x1 | 0x2;

/** cpu_feature_enabled(X86_FEATURE_OSPKE): the model's qemu64 CPU has no PKU. */
export const X86_FEATURE_OSPKE = false;

/** arch_max_pkey: 16 keys with PKU, else 1. */
export function arch_max_pkey(): number {
  return X86_FEATURE_OSPKE ? 16 : 1;
}

/** arch_pkeys_enabled: whether smaps prints ProtectionKey. */
export function arch_pkeys_enabled(): boolean {
  return X86_FEATURE_OSPKE;
}

/** mm_pkey_is_allocated: key 0 (implicit) or one pkey_alloc returned, never the execute-only key. */
export function mm_pkey_is_allocated(mm: mm_struct, pkey: number): boolean {
  if (pkey < 0) return false;
  if (pkey >= arch_max_pkey()) return false;
  if (pkey === mm.execute_only_pkey) return false;
  return (mm.pkey_allocation_map & (1 << pkey)) !== 0;
}

/** mm_pkey_alloc: the lowest free key, marked allocated, or -1. */
function mm_pkey_alloc(mm: mm_struct): number {
  const all_pkeys_mask = (1 << arch_max_pkey()) - 1;
  if (mm.pkey_allocation_map === all_pkeys_mask) return -1;
  let ret = 0;
  while (mm.pkey_allocation_map & (1 << ret)) ret++; // ffz
  mm.pkey_allocation_map |= 1 << ret;
  return ret;
}

/** mm_pkey_free: 0, or -EINVAL for a key that is not allocated. */
function mm_pkey_free(mm: mm_struct, pkey: number): number {
  if (!mm_pkey_is_allocated(mm, pkey)) return EINVAL;
  mm.pkey_allocation_map &= ~(1 << pkey);
  return 0;
}

/** arch_set_user_pkey_access: PKRU bits for the key; -EINVAL without OSPKE. */
function arch_set_user_pkey_access(): number {
  if (!X86_FEATURE_OSPKE) return EINVAL;
  return 0;
}

/** pkey_alloc(2): the key, or -EINVAL (flags, init_val, or the CPU refusing), -ENOSPC. */
export function sys_pkey_alloc(mm: mm_struct, flags: number, init_val: number): number {
  if (flags) return EINVAL;
  if (init_val & ~PKEY_ACCESS_MASK) return EINVAL;
  const pkey = mm_pkey_alloc(mm);
  if (pkey === -1) return ENOSPC;
  const ret = arch_set_user_pkey_access();
  if (ret) {
    mm_pkey_free(mm, pkey);
    return ret;
  }
  return pkey;
}

/** pkey_free(2): 0 or -EINVAL. */
export function sys_pkey_free(mm: mm_struct, pkey: number): number {
  return mm_pkey_free(mm, pkey);
}
