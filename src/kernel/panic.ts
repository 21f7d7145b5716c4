/**
 * What the model throws when the kernel panics: panic() has logged its lines (the OOM killer's
 * caller prints them, mm/oom_kill.ts) and the machine is halted, its state as it was at the
 * panic. Every operation that reaches the halted OOM killer again throws it again.
 * @kernel kernel/panic.c panic
 */
import type { Kernel } from "./kernel.js";
import { KERN_EMERG } from "./printk.js";

/** The kernel halted in panic(); the machine's state is as it was at the panic. */
export class KernelPanic extends Error {
  override readonly name = "KernelPanic";
  constructor(readonly reason: string) {
    super(`Kernel panic - not syncing: ${reason}`);
  }
}

/**
 * panic() during boot, before any task runs: the panic line and the end marker are logged and
 * KernelPanic is thrown out of start_kernel, so Machine.boot fails with it. Used where 6.1's
 * boot code panics because memblock had no room ("Failed to allocate …", "cannot initialize
 * percpu area"). Simplified: no stack dump (the boot path is fixed; its frames say nothing).
 * @kernel kernel/panic.c panic
 */
export function boot_panic(k: Kernel, reason: string): never {
  k.log.printk(KERN_EMERG, `Kernel panic - not syncing: ${reason}`);
  k.log.printk(KERN_EMERG, "Kernel Offset: disabled");
  k.log.printk(KERN_EMERG, `---[ end Kernel panic - not syncing: ${reason} ]---`);
  throw new KernelPanic(reason);
}
