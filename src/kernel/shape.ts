/**
 * Keeping V8's hidden classes of the model's long-lived objects stable. Not a kernel mechanism:
 * an engine detail that decides how fast the model runs.
 *
 * V8 stores a number field as a small integer (Smi, 31 bits) until the first value that is not
 * one lands in it: a fraction, an integer past 2^30, or any number the interpreter computed as
 * a double (a byte length divided by 4096 is one, even when it is whole). The field then becomes
 * a double field, the object's hidden class is replaced, and every function compiled against
 * the old class deoptimises. On the Kernel that is all of the model: the first munmap's
 * vm_unacct_memory used to turn vm_committed_as into a double and cut the next 512 MiB of
 * first-touch faults from ~8 M/s to ~1.2 M/s while the JIT recompiled. Fields that will hold
 * nanoseconds, addresses or computed page counts are made doubles when their object is built,
 * before any code is compiled against it, so the change never happens mid-run.
 */

/** The keys of T whose values are numbers. */
export type NumberKeys<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T];

/**
 * Makes the named number fields of `o` double fields (by storing a fraction once) and puts their
 * values back. Call it from the constructor, after the fields are initialised.
 */
export function asDoubles<T extends object>(o: T, ...fields: NumberKeys<T>[]): void {
  const rec = o as unknown as Record<NumberKeys<T>, number>;
  for (const f of fields) {
    const v = rec[f];
    rec[f] = 0.5;
    rec[f] = v;
  }
}
