/**
 * A broken model invariant, the model's BUG_ON/VM_BUG_ON_PAGE. Never caught inside the model:
 * it means mmsim itself is wrong, so it carries enough context to find out where.
 * @kernel include/asm-generic/bug.h BUG_ON
 * @kernel include/linux/mmdebug.h VM_BUG_ON_PAGE
 */
export class KernelBug extends Error {
  override readonly name = "KernelBug";
  constructor(
    message: string,
    readonly context: Readonly<Record<string, unknown>> = {},
  ) {
    super(Object.keys(context).length ? `${message} ${JSON.stringify(context)}` : message);
  }
}

/** Throws KernelBug when `cond` holds, like the kernel's BUG_ON(cond). */
export function BUG_ON(cond: boolean, message: string, context?: Record<string, unknown>): void {
  if (cond) throw new KernelBug(message, context);
}
