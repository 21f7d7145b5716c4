/**
 * What the model throws when the kernel panics: panic() has logged its lines (the OOM killer's
 * caller prints them, mm/oom_kill.ts) and the machine is halted, its state as it was at the
 * panic. Every operation that reaches the halted OOM killer again throws it again.
 * @kernel kernel/panic.c panic
 */

/** The kernel halted in panic(); the machine's state is as it was at the panic. */
export class KernelPanic extends Error {
  override readonly name = "KernelPanic";
  constructor(readonly reason: string) {
    super(`Kernel panic - not syncing: ${reason}`);
  }
}
