/**
 * The explorer's state in the URL fragment, so a link reproduces what its sender saw:
 * `#s=tour&seed=1&t=41250000&v=physical&c=type&pfn=1a2b&pid=3&addr=7f0000001000&ch=reclaim&sysctl=vm.swappiness:100&cg=/rk/memory.max:48M`.
 * A scenario that is not a shipped one travels as its YAML, deflated and base64url-encoded
 * (`y=…`), the form `mmsim explore FILE` prints. The fragment never reaches a server.
 *
 * Parsing never throws: a part it cannot read is dropped and named in `problems`, and the rest
 * of the state (or the default) is used, so a bad link still opens the explorer with a message.
 */
export const VIEWS = ["physical", "zones", "address", "reclaim", "events", "oom", "decode", "editor", "chapters"] as const;
export type ViewId = (typeof VIEWS)[number];
export const COLOUR_MODES = ["type", "lru", "zone", "migratetype", "owner", "memcg", "age"] as const;
export type ColourMode = (typeof COLOUR_MODES)[number];

export type ScenarioRef = { kind: "shipped"; name: string } | { kind: "yaml"; yaml: string };

export interface UrlState {
  scenario: ScenarioRef;
  seed: number | null;
  /** Simulated ns since boot; null = the end of the run. */
  t: number | null;
  view: ViewId;
  colour: ColourMode;
  pfn: number | null;
  pid: number | null;
  addr: number | null;
  chapter: string | null;
  sysctl: Record<string, number>;
  /** Files of the scenario's cgroups written at boot instead of its own ("/rk/memory.max" → "48M"): a chapter's slider. */
  cgroup: Record<string, string>;
}

export const DEFAULT_STATE: UrlState = { scenario: { kind: "shipped", name: "tour" }, seed: null, t: null, view: "physical", colour: "type", pfn: null, pid: null, addr: null, chapter: null, sysctl: {}, cgroup: {} };

/** Largest `y=` value read (deflated, base64url): as `mmsim explore` writes at most. */
const MAX_Y = 64 * 1024;
/** Largest YAML inflated from a link. */
const MAX_YAML = 1024 * 1024;

function b64urlToBytes(s: string): Uint8Array {
  const b = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out;
}

function bytesToB64url(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream, limit: number): Promise<Uint8Array> {
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream).getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > limit) {
      await reader.cancel();
      throw new Error(`more than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** YAML → the `y=` value. */
export async function packYaml(yaml: string): Promise<string> {
  return bytesToB64url(await pipe(new TextEncoder().encode(yaml), new CompressionStream("deflate-raw"), Infinity));
}

/** The `y=` value → YAML; throws on anything malformed. */
export async function unpackYaml(v: string): Promise<string> {
  if (v.length > MAX_Y) throw new Error(`the scenario in the link is too large (${v.length} characters; at most ${MAX_Y})`);
  if (!/^[A-Za-z0-9_-]*$/.test(v)) throw new Error("the scenario in the link is not base64url");
  const bytes = await pipe(b64urlToBytes(v), new DecompressionStream("deflate-raw"), MAX_YAML);
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

/** One `cg=` part: a group path (names as cgroup_mkdir takes them, at most 8 deep), a limit file, a size ("48M", bytes) or "max". */
const CGROUP_PART = /^((?:\/[A-Za-z0-9_.-]{1,64}){1,8}\/memory\.(?:max|high|low|min|swap\.max)):(\d{1,16}[KMGT]?|max)$/;

const int = (v: string, max = Number.MAX_SAFE_INTEGER): number | null => (/^\d{1,16}$/.test(v) && Number(v) <= max ? Number(v) : null);
const hexInt = (v: string): number | null => (/^(0x)?[0-9a-f]{1,13}$/i.test(v) ? parseInt(v.replace(/^0x/i, ""), 16) : null);

/** Reads a fragment (with or without its #). Unknown keys are ignored; bad values are reported. */
export async function parseFragment(hash: string, shipped: readonly string[]): Promise<{ state: UrlState; problems: string[] }> {
  const state: UrlState = { ...DEFAULT_STATE, scenario: { ...DEFAULT_STATE.scenario }, sysctl: {}, cgroup: {} };
  const problems: string[] = [];
  const h = hash.replace(/^#/, "");
  if (h === "") return { state, problems };
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(h);
  } catch {
    return { state, problems: ["the link's state could not be read"] };
  }
  const bad = (key: string, v: string, why: string): void => {
    problems.push(`${key}=${v.length > 40 ? v.slice(0, 40) + "…" : v}: ${why}`);
  };
  const s = params.get("s");
  const y = params.get("y");
  if (y !== null) {
    try {
      state.scenario = { kind: "yaml", yaml: await unpackYaml(y) };
    } catch (e) {
      bad("y", y, e instanceof Error ? e.message : "unreadable");
    }
  } else if (s !== null) {
    if (shipped.includes(s)) state.scenario = { kind: "shipped", name: s };
    else bad("s", s, "no shipped scenario of that name");
  }
  const num = (key: "seed" | "t", max?: number): void => {
    const v = params.get(key);
    if (v === null) return;
    const n = int(v, max);
    if (n === null) bad(key, v, "not a whole number");
    else state[key] = n;
  };
  num("seed", 2 ** 32 - 1);
  num("t");
  const v = params.get("v");
  if (v !== null) {
    if ((VIEWS as readonly string[]).includes(v)) state.view = v as ViewId;
    else bad("v", v, `not a view (${VIEWS.join(", ")})`);
  }
  const c = params.get("c");
  if (c !== null) {
    if ((COLOUR_MODES as readonly string[]).includes(c)) state.colour = c as ColourMode;
    else bad("c", c, "not a colour mode");
  }
  for (const key of ["pfn", "addr"] as const) {
    const val = params.get(key);
    if (val === null) continue;
    const n = hexInt(val);
    if (n === null) bad(key, val, "not a hexadecimal number");
    else state[key] = n;
  }
  const pid = params.get("pid");
  if (pid !== null) {
    const n = int(pid, 4194304);
    if (n === null) bad("pid", pid, "not a pid");
    else state.pid = n;
  }
  const ch = params.get("ch");
  if (ch !== null) {
    if (/^[a-z0-9-]{1,40}$/.test(ch)) state.chapter = ch;
    else bad("ch", ch, "not a chapter id");
  }
  const sy = params.get("sysctl");
  if (sy !== null) {
    for (const part of sy.split(",")) {
      const m = /^(vm\.[a-z_]{1,40}):(\d{1,10})$/.exec(part);
      if (m) state.sysctl[m[1]] = Number(m[2]);
      else bad("sysctl", part, "expected vm.NAME:VALUE");
    }
  }
  const cg = params.get("cg");
  if (cg !== null) {
    for (const part of cg.split(",")) {
      const m = CGROUP_PART.exec(part);
      if (m) state.cgroup[m[1]] = m[2];
      else bad("cg", part, "expected /GROUP/memory.FILE:VALUE (memory.max, high, low, min, swap.max; a size or max)");
    }
  }
  return { state, problems };
}

/** Writes a fragment (without #) for the state. */
export async function formatFragment(st: UrlState): Promise<string> {
  const p: string[] = [];
  if (st.scenario.kind === "shipped") p.push(`s=${encodeURIComponent(st.scenario.name)}`);
  else p.push(`y=${await packYaml(st.scenario.yaml)}`);
  if (st.seed !== null) p.push(`seed=${st.seed}`);
  if (st.t !== null) p.push(`t=${Math.round(st.t)}`);
  p.push(`v=${st.view}`);
  if (st.colour !== "type") p.push(`c=${st.colour}`);
  if (st.pfn !== null) p.push(`pfn=${st.pfn.toString(16)}`);
  if (st.pid !== null) p.push(`pid=${st.pid}`);
  if (st.addr !== null) p.push(`addr=${st.addr.toString(16)}`);
  if (st.chapter !== null) p.push(`ch=${st.chapter}`);
  const sy = Object.entries(st.sysctl);
  if (sy.length) p.push(`sysctl=${sy.map(([k, v]) => `${k}:${v}`).join(",")}`);
  const cg = Object.entries(st.cgroup);
  if (cg.length) p.push(`cg=${cg.map(([k, v]) => `${k}:${v}`).join(",")}`);
  return p.join("&");
}
