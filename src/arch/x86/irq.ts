/**
 * /proc/interrupts, with the rows the model can fill honestly. The header names each online CPU
 * ("CPU0       CPU1 …", after prec + 8 spaces); then arch_show_interrupts' rows the model keeps
 * counts for: CAL (irq_call_count, function-call IPIs: in the model only the TLB flushes'
 * IPIs, flush_tlb_multi's and flush_tlb_kernel_range's, so a real machine's CAL is larger: it
 * also counts other subsystems' IPIs) and TLB (irq_tlb_count, "TLB shootdowns": flush_tlb_func
 * runs for another CPU), and ERR and MIS, which are constant 0 (no interrupt errors in the
 * model, and on a healthy real machine).
 *
 * Worked format, 2 CPUs (nr_irqs = 424 + 8 × 2 = 440 < 1000, so prec = 3):
 * `           CPU0       CPU1       ` then `CAL:          3          5   Function call interrupts`.
 *
 * Left out: the per-IRQ lines of devices (timer, i8042, virtio…) and the rows the model has
 * nothing behind: NMI, LOC, SPU, PMI, IWI, RTR, RES, TRM, THR, DFR, MCE, MCP, HYP, PIN, NPI, PIW.
 * @kernel kernel/irq/proc.c show_interrupts
 * @kernel arch/x86/kernel/irq.c arch_show_interrupts
 * @kernel arch/x86/kernel/apic/vector.c arch_probe_nr_irqs
 */
import type { Kernel } from "../../kernel/kernel.js";

/**
 * nr_irqs after arch_probe_nr_irqs, for one IO-APIC of 24 pins (gsi_top = 24, as QEMU's q35 and
 * pc machines have): (24 + 16 legacy) + 8 per CPU + 24 × 16 for MSI, capped at 256 vectors per
 * CPU. 2 CPUs: 440.
 */
export function nr_irqs(nr_cpu_ids: number): number {
  const gsi_top = 24;
  return Math.min(256 * nr_cpu_ids, gsi_top + 16 + 8 * nr_cpu_ids + gsi_top * 16);
}

/** One arch row: "%*s: " then "%10u " per CPU, then the description. */
function row(prec: number, name: string, counts: Float64Array, nr: number, desc: string): string {
  let line = `${name.padStart(prec)}: `;
  for (let cpu = 0; cpu < nr; cpu++) line += `${String(counts[cpu]).padStart(10)} `;
  return `${line}  ${desc}\n`;
}

/** /proc/interrupts. @kernel kernel/irq/proc.c show_interrupts */
export function show_interrupts(k: Kernel): string {
  const nr = k.nr_cpu_ids;
  let prec = 3;
  for (let j = 1000; prec < 10 && j <= nr_irqs(nr); ++prec) j *= 10;
  let out = " ".repeat(prec + 8);
  for (let cpu = 0; cpu < nr; cpu++) out += `CPU${String(cpu).padEnd(8)}`;
  out += "\n";
  out += row(prec, "CAL", k.tlb.irq_call_count, nr, "Function call interrupts");
  out += row(prec, "TLB", k.tlb.irq_tlb_count, nr, "TLB shootdowns");
  out += `${"ERR".padStart(prec)}: ${"0".padStart(10)}\n`;
  out += `${"MIS".padStart(prec)}: ${"0".padStart(10)}\n`;
  return out;
}
