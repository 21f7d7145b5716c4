/**
 * How fast this host runs JavaScript right now, so the other rows can be read against it. The
 * benchmark machine is a shared 2-vCPU VM whose speed drifts by up to 1.5–2× over minutes while
 * other tenants run: a model row that moved between two runs of `npm run bench` moved for the
 * model's sake only if this row did not.
 *
 * The loop is the model's kind of work with none of the model: an intrusive ring through two
 * Int32Array link columns (push at the head, pop the head, as a pcp list does), a Float64Array
 * counter and a xorshift step per iteration. Best of ten windows of 4 M iterations.
 */
import { bestRate, type Bench } from "./bench.js";

const N = 4_000_000;
const SLOTS = 1 << 20; // 4 MiB a column: past L2, as the model's columns are

function hostLoop(): number {
  const next = new Int32Array(SLOTS);
  const prev = new Int32Array(SLOTS);
  const heads = new Int32Array(1).fill(-1);
  const counters = new Float64Array(4);
  let x = 2463534242;
  const window = (n: number): void => {
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const p = (x >>> 0) & (SLOTS - 1);
      const first = heads[0];
      if (first === -1) {
        next[p] = p;
        prev[p] = p;
      } else {
        const last = prev[first];
        next[p] = first;
        prev[p] = last;
        next[last] = p;
        prev[first] = p;
      }
      heads[0] = p;
      counters[i & 3] += 1;
      // pop the head again
      const n = next[p];
      if (n === p) heads[0] = -1;
      else {
        const q = prev[p];
        next[q] = n;
        prev[n] = q;
        heads[0] = n;
      }
    }
  };
  window(N); // warm-up
  const best = bestRate(10, N, window);
  if (counters[0] + counters[1] + counters[2] + counters[3] !== 11 * N) throw new Error("host loop miscounted");
  return best;
}

export const benches: Bench[] = [
  {
    name: "host: reference loop (this host's speed now)",
    unit: "iterations/s",
    run: hostLoop,
    note: "not the model: read the other rows against it",
  },
];
