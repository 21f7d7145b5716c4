/**
 * The command line's conventions (issue 20): exit codes (0 ok, 1 refused / failed / not
 * recognised, 2 usage), --version, `run -`, --trace checks and streaming, decode's prompt on a
 * terminal, and colour only on a terminal without NO_COLOR or --no-color.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli, type CliIo } from "./main.js";
import { runForCli, loadScenario } from "./commands/run.js";
import { STDIN_PROMPT } from "./commands/decode.js";

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(args: string[], extra: Partial<CliIo> = {}): Promise<Run> {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (s) => void (out += s), err: (s) => void (err += s), ...extra });
  return { code, out, err };
}

/** Standard input holding `text`, in two chunks. */
function stdinOf(text: string): AsyncIterable<Uint8Array> {
  const b = new TextEncoder().encode(text);
  return (async function* () {
    yield b.subarray(0, b.length >> 1);
    yield b.subarray(b.length >> 1);
  })();
}

const ESC = "\u001b[";

describe("exit codes", () => {
  it("run --cat of a file the machine does not have: the report, cat's error on stderr, exit 1", async () => {
    const r = await cli(["run", "anon-touch", "--cat", "/proc/nope"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("--- /proc/nope (at the end)");
    expect(r.err).toContain("cat: /proc/nope: No such file or directory\n");
  });

  it("run of a directory: one line, exit 2, not Node's EISDIR", async () => {
    const r = await cli(["run", "scenarios"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: "scenarios" is a directory, not a scenario file\n');
  });

  it("decode of unrecognised text, or --kind oom on a meminfo: exit 1 with a reason", async () => {
    const junk = await cli(["decode", "-"], { stdin: stdinOf("hello world\nthis is not a kernel log\n") });
    expect(junk.code).toBe(1);
    expect(junk.err).toMatch(/^mmsim decode: the input is not an OOM log or a \/proc or cgroup memory file/);
    const forced = await cli(["decode", "--kind", "oom", "test/realkernel/data/w0/meminfo"]);
    expect(forced.code).toBe(1);
    expect(forced.err).toBe("mmsim decode: no OOM report found in the input\n");
    const ok = await cli(["decode", "test/realkernel/data/w0/meminfo"]);
    expect(ok.code).toBe(0);
  });

  it("decode of binary data (/dev/zero) stops at once with exit 1", async () => {
    const r = await cli(["decode", "/dev/zero"]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('mmsim decode: "/dev/zero" is binary data (NUL bytes), not kernel text\n');
  });

  it("decode of a missing file or a directory is a usage error (2)", async () => {
    expect((await cli(["decode", "no/such/file"])).code).toBe(2);
    const d = await cli(["decode", "scenarios"]);
    expect(d.code).toBe(2);
    expect(d.err).toBe('error: "scenarios" is a directory, not a file to decode\n');
  });
});

describe("conventions", () => {
  it("--version prints package.json's version", async () => {
    const r = await cli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${(JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version}\n`);
  });

  it("run - reads the scenario from standard input", async () => {
    const r = await cli(["run", "-"], { stdin: stdinOf(readFileSync("scenarios/anon-touch.yaml", "utf8")) });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^mmsim run anon-touch /);
    expect(r.out).toContain("file <stdin>, seed");
    const bad = await cli(["run", "-"], { stdin: stdinOf("name: x\nprocesses: 3\n") });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^<stdin>:\d+:\d+ /);
  });

  it("decode on a terminal with no file says what it waits for; in a pipe it does not", async () => {
    const r = await cli(["decode"], { stdin: stdinOf(""), tty: { stdin: true } });
    expect(r.err.startsWith(STDIN_PROMPT)).toBe(true);
    const p = await cli(["decode"], { stdin: stdinOf("") });
    expect(p.err.startsWith(STDIN_PROMPT)).toBe(false);
  });

  it("decode --pid with --json puts the answer in the JSON", async () => {
    const r = await cli(["decode", "--json", "--pid", "89", "test/realkernel/data/w3a/oom_report.1"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).reports[0].pidQuery).toMatchObject({ pid: 89, chosen: true, pivotAdj: 156 });
  });
});

describe("--trace", () => {
  it("refuses an unknown tracepoint with the valid names, exit 2", async () => {
    const r = await cli(["run", "anon-touch", "--trace", "mm_page_aloc"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: unknown tracepoint "mm_page_aloc" for --trace: expected \* or one of .*\bmm_page_alloc\b.*\bmm_vmscan_kswapd_wake\b/);
    expect(r.out).toBe("");
  });

  it("with --quiet streams the trace lines and nothing else", async () => {
    const r = await cli(["run", "demand-paging", "--trace", "mm_page_alloc", "--quiet"]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) expect(l).toMatch(/^ {0,16}\S+-\d+ +\[000\] \.{5} +\d+\.\d{6}: mm_page_alloc: /);
    expect(r.err).toBe("");
  });

  it("erases the progress bar before each trace line, so a terminal never shows them on one line", () => {
    let screen = "";
    const sc = loadScenario("oom-badness");
    runForCli(sc, { trace: ["mark_victim", "oom_score_adj_update"], onTrace: (l) => void (screen += `${l}\n`), progress: (s) => void (screen += s), progressDelayMs: 0 });
    // What a terminal shows: each \r returns to the line's start and later text overwrites it.
    const shown = screen.split("\n").map((l) => l.split("\r").pop()!.trim());
    const traces = shown.filter((l) => /: (mark_victim|oom_score_adj_update): /.test(l));
    expect(traces.length).toBeGreaterThan(0);
    for (const l of traces) expect(l).toMatch(/^\S+-\d+ +\[000\]/);
    expect(screen).toMatch(/\r\[#*\.*\] +\d+%/);
  });
});

describe("colour", () => {
  const tty = { stdout: true };
  it("paints the report's headings and verdicts on a terminal", async () => {
    const r = await cli(["run", "anon-touch"], { tty, env: { TERM: "xterm" } });
    expect(r.out).toContain(`${ESC}1mMachine${ESC}0m`);
    expect(r.out).toContain(`  ${ESC}32mok${ESC}0m `);
    expect(r.out).toMatch(new RegExp(`\\u001b\\[32m\\d+ of \\d+ expectations hold\\.\\u001b\\[0m`));
  });

  it("not when piped, not with NO_COLOR, not with --no-color, not on a dumb terminal", async () => {
    const plain = await cli(["run", "anon-touch"]);
    expect(plain.out).not.toContain(ESC);
    for (const [args, env] of [
      [["run", "anon-touch"], { NO_COLOR: "1" }],
      [["run", "anon-touch", "--no-color"], {}],
      [["run", "anon-touch"], { TERM: "dumb" }],
    ] as const) {
      const r = await cli([...args], { tty, env });
      expect(r.out).toBe(plain.out);
    }
  });

  it("decode's explanation too", async () => {
    const r = await cli(["decode", "test/realkernel/data/w3a/oom_report.1"], { tty, env: {} });
    expect(r.out.startsWith(`${ESC}1mOOM report (lines 1–61)${ESC}0m\n`)).toBe(true);
    const p = await cli(["decode", "test/realkernel/data/w3a/oom_report.1"]);
    expect(p.out).not.toContain(ESC);
  });
});
