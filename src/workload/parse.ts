/**
 * Scenario files in, a validated `Scenario` out — or one `ScenarioError` that says where
 * (file:line:col), which field (`processes[1].run[3].touch.region`) and what is wrong, on one line.
 * Never a stack trace for a human's mistake.
 *
 * The text is read into a YAML tree (yaml_tree.ts) by the subset reader (yaml_fast.ts) when it
 * keeps to the plain YAML scenario files are written in — in time and memory proportional to
 * the file — and by the `yaml` package otherwise (anchors and aliases, multi-line scalars, and
 * syntax errors, whose messages are the package's). The package is used for files up to
 * MAX_GENERAL_YAML_BYTES only: it needs ~100 bytes of memory and ~1 µs per byte of text, so a
 * larger file must keep to the subset. Aliases are limited as the package's maxAliasCount counts
 * them (MAX_YAML_ALIAS_COUNT), so an expanding document ("billion laughs") is refused at once.
 *
 * Validation walks that tree (yaml_reader.ts), so every message points at the exact key or
 * value it is about. The machine is checked here against the library's own limits
 * (src/sim/config.ts); programs are read by parse_steps.ts; cross-references are checked in
 * program order: a touch may only name a mapping its process (or a parent before the fork)
 * mapped earlier and has not unmapped since; an expectation may only name processes and capture
 * labels the file defines.
 *
 * Bytes or text in, no file I/O (the CLI reads the file, at most MAX_SCENARIO_BYTES of it).
 */
import { LineCounter, parseAllDocuments, type Document } from "yaml";
import { cpuMemoryProblem, cpusProblem, distanceProblem, memmapProblem, memoryProblem, nodeCountProblem, nodeSizeProblem } from "../sim/index.js";
import { parseYamlSubset, Unsupported } from "./yaml_fast.js";
import { AliasCycle, firstAlias, fromYamlDocument, LineIndex, type YNode } from "./yaml_tree.js";
import { checkKeys, describe, duration, entries, get, int, intList, isNull, join, oneOf, requireKey, scalarValue, size, str, suggest, Reader, type MapEntry, type N } from "./yaml_reader.js";
import { cgroupPath, claimProcessName, knownCgroup, parseDisks, parseProgram, SYSCTL_NAME, sysctlValue, type Names, type ProgCtx } from "./parse_steps.js";
import {
  CGROUP_FILES,
  type CgroupSpec,
  EXPECT_KINDS,
  MACHINE_KEYS,
  MAX_CGROUPS,
  MAX_MEMORY,
  MAX_PROCESSES,
  MAX_SCENARIO_BYTES,
  MAX_SCENARIO_CPUS,
  MAX_YAML_ALIAS_COUNT,
  type Expectation,
  type MachineSpec,
  type ProcessSpec,
  ScenarioError,
  type Scenario,
  type SourcePos,
  type Step,
  STEP_KINDS,
  TOP_KEYS,
} from "./schema.js";

/**
 * Largest file the general `yaml` package reads (2 MiB, ~200 MB of its memory): a larger
 * scenario must keep to the subset yaml_fast.ts reads.
 */
export const MAX_GENERAL_YAML_BYTES = 2 * 2 ** 20;

/** The machine: keys, then each value against the library's limits. */
function parseMachine(r: Reader, node: N, path: string, sysctlPos: Record<string, SourcePos>, names: Names): MachineSpec {
  const es = entries(r, node, path);
  checkKeys(r, es, Object.keys(MACHINE_KEYS), path, "machine");
  const spec: MachineSpec = {};
  for (const e of es) {
    const p = join(path, e.key);
    switch (e.key) {
      case "memory": {
        spec.memory = size(r, e.value, p, MAX_MEMORY, { pageMultiple: true });
        const bad = memoryProblem(spec.memory);
        if (bad) r.fail(e.value, p, bad);
        break;
      }
      case "cpus":
        spec.cpus = int(r, e.value, p, 1, MAX_SCENARIO_CPUS);
        names.cpus = spec.cpus;
        break;
      case "nodes": {
        const v = r.deref(e.value);
        if (v !== null && v.kind === "seq") {
          spec.nodes = v.items.map((it, i) => {
            const ip = `${p}[${i}]`;
            const ne = entries(r, it, ip);
            checkKeys(r, ne, ["size", "cpus"], ip, "a node");
            const se = requireKey(r, ne, "size", it, ip);
            const sz = size(r, se.value, `${ip}.size`, MAX_MEMORY, { pageMultiple: true });
            const bad = nodeSizeProblem(sz);
            if (bad) r.fail(se.value, `${ip}.size`, bad);
            const c = get(ne, "cpus");
            const cpus = c ? intList(r, c.value, `${ip}.cpus`, 0, MAX_SCENARIO_CPUS - 1) : undefined;
            return cpus ? { size: sz, cpus } : { size: sz };
          });
          if (spec.nodes.length === 0) r.fail(v, p, "expected at least one node");
          const bad = nodeCountProblem(spec.nodes.length);
          if (bad) r.fail(v, p, bad);
        } else {
          spec.nodes = int(r, e.value, p, 1, 64);
          const bad = nodeCountProblem(spec.nodes);
          if (bad) r.fail(e.value, p, bad);
        }
        break;
      }
      case "distance": {
        const v = r.deref(e.value);
        if (v === null || v.kind !== "seq") return r.fail(v, p, `expected a list of lists of distances, got ${describe(r, v)}`);
        spec.distance = v.items.map((row, i) => intList(r, row, `${p}[${i}]`, 0, 255));
        break;
      }
      case "thp":
        spec.thp = oneOf(r, e.value, p, ["always", "madvise", "never"] as const);
        break;
      case "kernelcore":
      case "movablecore": {
        const v = scalarValue(r, e.value);
        if (typeof v === "string" && /^\d+(\.\d+)?%$/.test(v.trim())) spec[e.key] = v.trim();
        else spec[e.key] = size(r, e.value, p, MAX_MEMORY, { allowZero: true });
        break;
      }
      case "initrd":
        spec.initrd = size(r, e.value, p, 2 ** 30, { allowZero: true });
        break;
      case "memmap": {
        // Machine.boot's own check (memmapArg) reads the values, so both answer alike.
        const v = r.deref(e.value);
        const items = v !== null && v.kind === "seq" ? v.items.map((it, i) => ({ node: it, path: `${p}[${i}]` })) : [{ node: e.value, path: p }];
        spec.memmap = items.map(({ node, path: ip }) => {
          const s = scalarValue(r, node);
          if (typeof s !== "string") return r.fail(node, ip, `expected SIZE!START, e.g. 512M!1G, got ${describe(r, r.deref(node))}`);
          const bad = memmapProblem(s);
          if (bad) r.fail(node, ip, bad);
          return s;
        });
        break;
      }
      case "sysctl": {
        const se = entries(r, e.value, p, "a mapping of sysctl names to values");
        spec.sysctl = {};
        for (const s of se) {
          const sp = `${p}.${s.key}`;
          if (!SYSCTL_NAME.test(s.key)) r.fail(s.keyNode, sp, `not a sysctl name: expected a dotted name such as vm.swappiness`);
          spec.sysctl[s.key] = sysctlValue(r, s.value, sp);
          sysctlPos[s.key] = r.pos(s.value ?? s.keyNode);
        }
        break;
      }
      case "disks":
        spec.disks = parseDisks(r, e.value, p, names);
        break;
    }
  }
  checkNuma(r, es, spec, path);
  return spec;
}

/**
 * The machine's NUMA keys together, as Machine.boot checks them (the same functions): distance
 * needs nodes and must be square for their count; explicit node sizes must add up to memory.
 */
function checkNuma(r: Reader, es: MapEntry[], spec: MachineSpec, path: string): void {
  const de = get(es, "distance");
  const ne = get(es, "nodes");
  const count = spec.nodes === undefined ? 1 : typeof spec.nodes === "number" ? spec.nodes : spec.nodes.length;
  if (de && spec.distance) {
    if (!ne) r.fail(de.keyNode, join(path, "distance"), "distance needs nodes: a one-node machine has no distance matrix");
    const bad = distanceProblem(spec.distance, count);
    if (bad) {
      const rows = r.deref(de.value);
      const row = bad.row >= 0 && rows !== null && rows.kind === "seq" ? r.deref(rows.items[bad.row]) : null;
      const cell = bad.col >= 0 && row !== null && row.kind === "seq" ? row.items[bad.col] : null;
      const where = cell ?? row ?? de.value;
      const fieldPath = `${join(path, "distance")}${bad.row >= 0 ? `[${bad.row}]` : ""}${bad.col >= 0 ? `[${bad.col}]` : ""}`;
      r.fail(where, fieldPath, bad.message);
    }
  }
  if (Array.isArray(spec.nodes) && spec.memory !== undefined) {
    const sum = spec.nodes.reduce((a, n) => a + n.size, 0);
    if (sum !== spec.memory) r.fail(ne?.value ?? null, join(path, "nodes"), `the nodes' sizes add up to ${sum} bytes, not the ${spec.memory} bytes of memory`);
  }
  if (Array.isArray(spec.nodes) && spec.memory === undefined) {
    const bad = memoryProblem(spec.nodes.reduce((a, n) => a + n.size, 0));
    if (bad) r.fail(ne?.value ?? null, join(path, "nodes"), bad);
  }
  if (spec.cpus !== undefined) {
    const bad = cpusProblem(spec.cpus);
    if (bad) r.fail(get(es, "cpus")?.value ?? null, join(path, "cpus"), bad);
    // The machine's memory (the nodes' sum, or the default 512M) must hold what its CPUs need.
    const memory = spec.memory ?? (Array.isArray(spec.nodes) ? spec.nodes.reduce((a, n) => a + n.size, 0) : 512 * 2 ** 20);
    const badMem = cpuMemoryProblem(memory, spec.cpus);
    if (badMem) r.fail(get(es, "cpus")?.value ?? null, join(path, "cpus"), badMem);
  }
}

function parseProcesses(r: Reader, node: N, path: string, names: Names): ProcessSpec[] {
  const n = r.deref(node);
  if (isNull(r, n)) return [];
  if (n === null || n.kind !== "seq") return r.fail(n, path, `expected a list of processes, got ${describe(r, n)}`);
  // Names first, so a `wait:` can name a process defined later in the file.
  return n.items.map((it, i) => {
    const ip = `${path}[${i}]`;
    const es = entries(r, it, ip, "a process: {name, run, …}");
    for (const e of es) {
      if (STEP_KINDS[e.key] && e.key !== "oom_score_adj" && e.key !== "cgroup") r.fail(e.keyNode, join(ip, e.key), `a step outside a program: put it in this process's run: list`);
    }
    checkKeys(r, es, ["name", "oom_score_adj", "uid", "start", "cgroup", "cpu", "run"], ip, "a process");
    const ne = requireKey(r, es, "name", it, ip);
    const name = str(r, ne.value, `${ip}.name`);
    claimProcessName(r, names, name, ne.value, `${ip}.name`, ip);
    names.nr_processes = (names.nr_processes ?? 0) + 1;
    if (names.nr_processes > MAX_PROCESSES) r.fail(ne.value, `${ip}.name`, `the scenario would make more than ${MAX_PROCESSES} processes`);
    const oe = get(es, "oom_score_adj");
    const se = get(es, "start");
    const re = get(es, "run");
    const ge = get(es, "cgroup");
    const ue = get(es, "uid");
    const ctx: ProgCtx = { maps: new Map(), names };
    const spec: ProcessSpec = {
      pos: r.pos(it),
      path: ip,
      name,
      oom_score_adj: oe ? int(r, oe.value, `${ip}.oom_score_adj`, -1000, 1000) : 0,
      start: se ? duration(r, se.value, `${ip}.start`) : 0,
      run: re ? parseProgram(r, re.value, `${ip}.run`, ctx, 0) : [],
    };
    if (ge) spec.cgroup = knownCgroup(r, ge.value, `${ip}.cgroup`, names);
    if (ue) spec.uid = int(r, ue.value, `${ip}.uid`, 0, 2 ** 32 - 2);
    const ce = get(es, "cpu");
    if (ce) spec.cpu = int(r, ce.value, `${ip}.cpu`, 0, (names.cpus ?? 1) - 1);
    return spec;
  });
}

/**
 * `cgroups:`: the memory cgroups made at boot, each `{path, files}`; every ancestor of a path is
 * made too, and a group may be listed once. Values are the files' text, checked by the kernel
 * when the runner writes them.
 */
function parseCgroups(r: Reader, node: N, path: string, names: Names): CgroupSpec[] {
  const n = r.deref(node);
  if (isNull(r, n)) return [];
  if (n === null || n.kind !== "seq") return r.fail(n, path, `expected a list of groups {path, files}, got ${describe(r, n)}`);
  if (n.items.length > MAX_CGROUPS) r.fail(n.items[MAX_CGROUPS], `${path}[${MAX_CGROUPS}]`, `at most ${MAX_CGROUPS} groups`);
  const groups = (names.cgroups ??= new Set());
  const listed = new Map<string, string>();
  return n.items.map((it, i) => {
    const ip = `${path}[${i}]`;
    const es = entries(r, it, ip, "a group: {path, files}");
    checkKeys(r, es, ["path", "files"], ip, "a group");
    const pe = requireKey(r, es, "path", it, ip);
    const group = cgroupPath(r, pe.value, `${ip}.path`);
    if (group === "/") r.fail(pe.value, `${ip}.path`, "the root group exists already and has no memory.* limits: name a group below it");
    const prev = listed.get(group);
    if (prev !== undefined) r.fail(pe.value, `${ip}.path`, `group "${group}" is already listed at ${prev}`);
    listed.set(group, ip);
    const segs = group.slice(1).split("/");
    for (let d = 1; d <= segs.length; d++) groups.add("/" + segs.slice(0, d).join("/"));
    const files: CgroupSpec["files"] = [];
    const fe = get(es, "files");
    if (fe && !isNull(r, fe.value)) {
      for (const f of entries(r, fe.value, `${ip}.files`, `a mapping of files to values (${CGROUP_FILES.join(", ")})`)) {
        const fp = `${ip}.files.${f.key}`;
        if (!(CGROUP_FILES as readonly string[]).includes(f.key)) r.fail(f.keyNode, fp, `not a file a group sets at boot${suggest(f.key, [...CGROUP_FILES])}; expected one of ${CGROUP_FILES.join(", ")}`);
        const v = scalarValue(r, f.value);
        if (typeof v !== "string" && typeof v !== "number") r.fail(f.value, fp, `expected the file's text (a size such as 32M, max, or a number), got ${describe(r, f.value)}`);
        files.push({ name: f.key, value: String(v), pos: r.pos(f.value) });
      }
    }
    return { pos: r.pos(it), path: ip, group, files };
  });
}

function bounds(r: Reader, es: MapEntry[], path: string, unit: "kB" | "count", sizes?: { min?: number; max?: number; equals?: number }): { min?: number; max?: number; equals?: number } {
  const out: { min?: number; max?: number; equals?: number } = {};
  for (const k of ["min", "max", "equals"] as const) {
    const e = get(es, k);
    if (!e) continue;
    const v = scalarValue(r, e.value);
    if (typeof v === "number") {
      if (!Number.isFinite(v)) r.fail(e.value, `${path}.${k}`, `expected a finite number, got ${v}`);
      out[k] = v;
    } else if (typeof v === "string" && unit === "kB") {
      const bytes = size(r, e.value, `${path}.${k}`, 2 ** 60, { allowZero: true });
      out[k] = bytes / 1024;
      if (sizes) sizes[k] = bytes;
    }
    else r.fail(e.value, `${path}.${k}`, `expected a number${unit === "kB" ? " (kB) or a size such as 128M" : ""}, got ${describe(r, e.value)}`);
  }
  if (out.min !== undefined && out.max !== undefined && out.min > out.max) r.fail(get(es, "max")?.value ?? null, `${path}.max`, `max ${out.max}${unit === "kB" ? " kB" : ""} is below min ${out.min}${unit === "kB" ? " kB" : ""}`);
  if (out.equals !== undefined && (out.min !== undefined || out.max !== undefined)) r.fail(get(es, "equals")?.keyNode ?? null, `${path}.equals`, "give equals or min/max, not both");
  return out;
}

function parseExpect(r: Reader, node: N, path: string, names: Names): Expectation[] {
  const n = r.deref(node);
  if (isNull(r, n)) return [];
  if (n === null || n.kind !== "seq") return r.fail(n, path, `expected a list of expectations, got ${describe(r, n)}`);
  const kinds = Object.keys(EXPECT_KINDS);
  return n.items.map((it, i): Expectation => {
    const ip = `${path}[${i}]`;
    const es = entries(r, it, ip, `an expectation (one of: ${kinds.join(", ")})`);
    const which = es.filter((e) => kinds.includes(e.key));
    if (which.length === 0) {
      const stepKey = es.find((e) => STEP_KINDS[e.key]);
      if (stepKey) r.fail(stepKey.keyNode, join(ip, stepKey.key), "a step in expect: steps go in a process's run: list");
      r.fail(it, ip, `no expectation kind: expected one of ${kinds.join(", ")}`);
    }
    // `process:` also appears in status? No: status names the process itself.
    const kind = which[0].key;
    if (which.length > 1) r.fail(which[1].keyNode, join(ip, which[1].key), `one kind per expectation: "${kind}" and "${which[1].key}" must be separate list items`);
    const base = { pos: r.pos(it), path: ip };
    const kp = join(ip, kind);
    const kv = which[0].value;
    const knownProc = (v: N, p: string): string => {
      const name = str(r, v, p);
      if (!names.processes.has(name)) {
        const known = [...names.processes.keys()];
        r.fail(v, p, `no process named "${name}"${suggest(name, known)} (processes: ${known.join(", ") || "none"})`);
      }
      return name;
    };
    const bkeys = ["min", "max", "equals"];
    switch (kind) {
      case "process": {
        checkKeys(r, es, ["process", "state", "signal"], ip, "a process expectation");
        const process = knownProc(kv, kp);
        const se = requireKey(r, es, "state", it, ip);
        const state = oneOf(r, se.value, `${ip}.state`, ["alive", "killed", "exited"] as const);
        const sg = get(es, "signal");
        const signal = sg ? oneOf(r, sg.value, `${ip}.signal`, ["SIGKILL", "SIGSEGV", "SIGBUS"] as const) : undefined;
        if (signal && state !== "killed") r.fail(sg?.keyNode ?? null, `${ip}.signal`, "signal only applies to state: killed");
        return { ...base, kind: "process", process, state, ...(signal ? { signal } : {}) };
      }
      case "meminfo":
      case "vmstat": {
        checkKeys(r, es, [kind, ...bkeys], ip, `a ${kind} expectation`);
        const field = str(r, kv, kp);
        const b = bounds(r, es, ip, kind === "meminfo" ? "kB" : "count");
        if (Object.keys(b).length === 0) r.fail(it, ip, "expected min, max or equals");
        return { ...base, kind, field, ...b };
      }
      case "capture": {
        checkKeys(r, es, ["capture", "field", "since", "matches", ...bkeys], ip, "a capture expectation");
        const label = str(r, kv, kp);
        const checkLabel = (l: string, v: N, p: string): void => {
          if (!names.labels.has(l)) r.fail(v, p, `no capture labelled "${l}"${suggest(l, [...names.labels])} (labels: ${[...names.labels].join(", ") || "none"})`);
        };
        checkLabel(label, kv, kp);
        const me = get(es, "matches");
        if (me) {
          if (get(es, "field")) r.fail(me.keyNode, `${ip}.matches`, "give field or matches, not both");
          if (get(es, "since")) r.fail(get(es, "since")?.keyNode ?? null, `${ip}.since`, "since only applies to field");
          const re = str(r, me.value, `${ip}.matches`);
          try {
            new RegExp(re, "m");
          } catch (e) {
            r.fail(me.value, `${ip}.matches`, `not a regular expression: ${(e as Error).message}`);
          }
          const b = bounds(r, es, ip, "count");
          return { ...base, kind: "capture_lines", label, matches: re, ...(Object.keys(b).length ? b : { min: 1 }) };
        }
        const fe = requireKey(r, es, "field", it, ip);
        const se = get(es, "since");
        const since = se ? str(r, se.value, `${ip}.since`) : undefined;
        if (since !== undefined) checkLabel(since, se?.value ?? null, `${ip}.since`);
        const sizes: { min?: number; max?: number; equals?: number } = {};
        const b = bounds(r, es, ip, "kB", sizes);
        if (Object.keys(b).length === 0) r.fail(it, ip, "expected min, max or equals");
        return { ...base, kind: "capture", label, field: str(r, fe.value, `${ip}.field`), ...(since !== undefined ? { since } : {}), ...b, ...(Object.keys(sizes).length ? { sizes } : {}) };
      }
      case "event": {
        checkKeys(r, es, ["event", ...bkeys], ip, "an event expectation");
        const event = str(r, kv, kp);
        const b = bounds(r, es, ip, "count");
        return { ...base, kind: "event", event, ...(Object.keys(b).length ? b : { min: 1 }) };
      }
      case "dmesg": {
        checkKeys(r, es, ["dmesg"], ip, "a dmesg expectation");
        return { ...base, kind: "dmesg", contains: str(r, kv, kp) };
      }
      case "status": {
        checkKeys(r, es, ["status", "field", ...bkeys], ip, "a status expectation");
        const process = knownProc(kv, kp);
        const fe = requireKey(r, es, "field", it, ip);
        const b = bounds(r, es, ip, "kB");
        if (Object.keys(b).length === 0) r.fail(it, ip, "expected min, max or equals");
        return { ...base, kind: "status", process, field: str(r, fe.value, `${ip}.field`), ...b };
      }
    }
    return r.fail(it, ip, "unknown expectation");
  });
}

/** Checks `wait:` names, which may refer to processes defined anywhere in the file. */
function checkWaits(r: Reader, steps: Step[], names: Names, lineOf: (s: Step) => void): void {
  for (const s of steps) {
    if (s.kind === "wait" && !names.processes.has(s.process)) lineOf(s);
    if (s.kind === "fork") checkWaits(r, s.run, names, lineOf);
  }
}

/** The text of a scenario file: UTF-8 without NUL or control characters, at most MAX_SCENARIO_BYTES. */
function scenarioText(input: string | Uint8Array, file: string): string {
  const bytes = typeof input === "string" ? input.length : input.byteLength;
  if (bytes > MAX_SCENARIO_BYTES) throw new ScenarioError(file, 1, 1, "", `the file is too large: ${bytes} ${typeof input === "string" ? "characters" : "bytes"}, more than the ${MAX_SCENARIO_BYTES / 2 ** 20} MiB a scenario may have`);
  let text: string;
  if (typeof input === "string") text = input;
  else {
    const nul = input.indexOf(0);
    if (nul >= 0) throw new ScenarioError(file, 1, 1, "", `not a text file: binary data (a NUL byte at offset ${nul})`);
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(input);
    } catch {
      throw new ScenarioError(file, 1, 1, "", "not a text file: the bytes are not valid UTF-8");
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // eslint-disable-next-line no-control-regex
  const ctl = /[\u0000-\u0008\u000e-\u001f\u007f]/.exec(text);
  if (ctl) {
    const lp = new LineIndex(text).linePos(ctl.index);
    throw new ScenarioError(file, lp.line, lp.col, "", `not a text file: control character 0x${ctl[0].charCodeAt(0).toString(16).padStart(2, "0")}`);
  }
  if (onlyComments(text)) throw new ScenarioError(file, 1, 1, "", "empty scenario: expected a mapping with machine: and processes:");
  return text;
}

/** True when every line is blank or a comment (it stops at the first that is not). */
function onlyComments(text: string): boolean {
  for (let at = 0; at < text.length; ) {
    const nl = text.indexOf("\n", at);
    const line = text.slice(at, nl === -1 ? text.length : nl).trimStart();
    if (line !== "" && !line.startsWith("#")) return false;
    at = nl === -1 ? text.length : nl + 1;
  }
  return true;
}

/**
 * The YAML tree of `text`: by the subset reader, or (for files that leave the subset, up to
 * MAX_GENERAL_YAML_BYTES) by the yaml package, whose syntax errors become ScenarioErrors.
 */
function yamlTree(text: string, file: string, lines: LineIndex): YNode | null {
  const fast = parseYamlSubset(text);
  if (!(fast instanceof Unsupported)) return fast;
  if (text.length > MAX_GENERAL_YAML_BYTES) {
    const p = lines.linePos(fast.offset);
    throw new ScenarioError(
      file,
      p.line,
      p.col,
      "",
      `a scenario over ${MAX_GENERAL_YAML_BYTES / 2 ** 20} MiB must keep to plain YAML (block mappings and lists, one-line { } and [ ], one-line scalars, comments; no anchors, aliases, tags or multi-line values), so that it reads in time proportional to its size: found ${fast.reason}`,
    );
  }
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: true });
  const list = Array.isArray(docs) ? docs : [];
  if (list.length > 1) {
    const p = lc.linePos(list[1].range[0]);
    throw new ScenarioError(file, p.line, p.col, "", "more than one YAML document: a scenario is one document (remove the ---)");
  }
  const doc = list[0] as Document.Parsed | undefined;
  if (!doc) throw new ScenarioError(file, 1, 1, "", "empty scenario: expected a mapping with machine: and processes:");
  const yerr = doc.errors[0];
  if (yerr) {
    const lp = yerr.linePos?.[0] ?? lc.linePos(yerr.pos[0]);
    const msg = yerr.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new ScenarioError(file, lp.line, lp.col, "", `YAML syntax: ${msg}`);
  }
  let root: YNode | null;
  try {
    root = fromYamlDocument(doc);
  } catch (e) {
    if (!(e instanceof AliasCycle)) throw e;
    const p = lines.linePos(e.offset);
    throw new ScenarioError(file, p.line, p.col, "", `YAML alias *${e.source} stands for a node that contains it: a scenario cannot refer to itself`);
  }
  const alias = firstAlias(root);
  if (alias) {
    // The yaml package's own count of alias expansion: uses of an anchor times the aliases
    // inside what it names. toJS stops at the limit, before expanding anything exponential.
    try {
      doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
    } catch (e) {
      if (!(e instanceof ReferenceError)) throw e;
      const p = lines.linePos(alias.offset);
      const detail = /Excessive alias count/.test(e.message)
        ? `YAML aliases expand too much: more than ${MAX_YAML_ALIAS_COUNT} alias uses (an anchor's uses times the aliases inside it, the yaml package's maxAliasCount), which keeps parsing in proportion to the file`
        : `YAML alias: ${e.message}`;
      throw new ScenarioError(file, p.line, p.col, "", detail);
    }
  }
  return root;
}

/**
 * Parses and validates a scenario. `file` names it in messages ("scenario.yaml").
 * @throws ScenarioError with file:line:col, field path and message, on one line.
 */
export function parseScenario(input: string | Uint8Array, file = "scenario.yaml"): Scenario {
  const text = scenarioText(input, file);
  const lines = new LineIndex(text);
  const rootNode = yamlTree(text, file, lines);
  const r = new Reader(file, lines);
  const root = rootNode;
  if (isNull(r, root)) throw new ScenarioError(file, 1, 1, "", "empty scenario: expected a mapping with machine: and processes:");
  const es = entries(r, root, "", "a scenario mapping (machine:, processes:, expect:)");
  checkKeys(r, es, TOP_KEYS, "", "the scenario");
  const names: Names = { processes: new Map(), labels: new Set() };
  const ve = get(es, "version");
  if (ve && int(r, ve.value, "version", 0, 2 ** 31) !== 1) r.fail(ve.value, "version", `this mmsim reads scenario format version 1 only, not ${scalarValue(r, ve.value)}`);
  const ne = get(es, "name");
  const de = get(es, "description");
  const se = get(es, "seed");
  const me = get(es, "machine");
  const tl = get(es, "time_limit");
  const sysctlPos: Record<string, SourcePos> = {};
  const machine = me && !isNull(r, me.value) ? parseMachine(r, me.value, "machine", sysctlPos, names) : {};
  const ge = get(es, "cgroups");
  const cgroups = ge ? parseCgroups(r, ge.value, "cgroups", names) : [];
  const pe = get(es, "processes");
  const processes = pe ? parseProcesses(r, pe.value, "processes", names) : [];
  for (const p of processes) {
    checkWaits(r, p.run, names, (s) => {
      const known = [...names.processes.keys()];
      throw new ScenarioError(file, s.pos.line, s.pos.col, `${s.path}.wait`, `no process named "${s.kind === "wait" ? s.process : ""}"${s.kind === "wait" ? suggest(s.process, known) : ""} (processes: ${known.join(", ")})`);
    });
  }
  const xe = get(es, "expect");
  const expect = xe ? parseExpect(r, xe.value, "expect", names) : [];
  return {
    file,
    version: 1,
    name: ne ? str(r, ne.value, "name") : file.replace(/^.*\//, "").replace(/\.ya?ml$/, ""),
    description: de ? str(r, de.value, "description") : "",
    seed: se ? int(r, se.value, "seed", 0, 2 ** 32 - 1) : 1,
    machine,
    cgroups,
    processes,
    expect,
    time_limit: tl ? duration(r, tl.value, "time_limit") : 3600e9,
    sysctl_pos: sysctlPos,
  };
}
