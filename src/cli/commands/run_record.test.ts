import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../main.js";
import { createTraceReader, KEY_WRITE } from "../../replay/readers.js";
import { ACCESS_HEADER_SIZE, ACCESS_RECORD_SIZE } from "../../replay/access_format.js";

const dir = mkdtempSync(join(tmpdir(), "mmsim-record-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe("mmsim run --record-accesses", () => {
  it("writes each page a process reaches through the MMU, in the format mmsim replay reads", async () => {
    const file = join(dir, "anon-touch.acc");
    const r = await cli(["run", "anon-touch", "--record-accesses", file]);
    expect(r.code).toBe(0);
    // anon-touch writes a 128 MiB buffer once, page by page (its report says "32768 accesses,
    // 32768 page faults"), and the program's image and stack take the rest: each record a page
    // of pid 61 (sh) or 62 (anon).
    const m = /wrote ([\d,]+) page accesses to/.exec(r.err);
    expect(m).not.toBeNull();
    const total = Number(m![1].replace(/,/g, ""));
    expect(total).toBeGreaterThan(32768);
    expect(total).toBeLessThan(32768 + 1024);
    const bytes = readFileSync(file);
    expect(bytes.length).toBe(ACCESS_HEADER_SIZE + total * ACCESS_RECORD_SIZE);
    const keys: number[] = [];
    const writes: boolean[] = [];
    const reader = createTraceReader("mmsim", {
      keys(lo, hi, flags, n) {
        for (let i = 0; i < n; i++) {
          keys.push(lo[i] + hi[i] * 2 ** 32);
          writes.push((flags[i] & KEY_WRITE) !== 0);
        }
      },
    });
    reader.push(new Uint8Array(bytes));
    reader.end();
    expect(reader.requests).toBe(total);
    // the buffer: the one run of 32768 consecutive pages written in order
    let best = 0;
    let run = 0;
    for (let i = 0; i < keys.length; i++) {
      run = i > 0 && writes[i] && writes[i - 1] && keys[i] === keys[i - 1] + 1 ? run + 1 : writes[i] ? 1 : 0;
      best = Math.max(best, run);
    }
    expect(best).toBe(32768);
    const v = new DataView(bytes.buffer, bytes.byteOffset);
    const spaces = new Set<number>();
    for (let i = 0; i < total; i++) spaces.add(v.getUint32(ACCESS_HEADER_SIZE + i * ACCESS_RECORD_SIZE + 8, true));
    expect([...spaces].sort()).toEqual([61, 62]); // sh and anon
    expect(v.getUint32(24, true)).toBe(total); // the count, in the header once known
  });

  it("refuses a file it cannot write, exit 2", async () => {
    const r = await cli(["run", "anon-touch", "--record-accesses", join(dir, "no/such/dir/x.acc")]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--record-accesses: cannot write");
  });
});
