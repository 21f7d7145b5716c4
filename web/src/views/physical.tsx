/**
 * View 1, physical memory: every page frame as a cell, coloured by what the page is (free with
 * its buddy order, anonymous, page cache, shmem, page table, kernel, reserved), by LRU list, by
 * zone, by pageblock migratetype, by owning process, by memory cgroup or by age. Wheel zooms around the pointer, drag pans,
 * double-click fits. Hover decodes the page's struct page; click shows who maps it (the rmap walk)
 * and what the page was at each recorded moment of this run.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { useSession } from "../hooks.js";
import { BlockPyramid, PhysRenderer, pack, pyramidLevel, type Camera, type Source, type WindowSource } from "./physical-render.js";
import { COLOUR_MODES, type ColourMode } from "../url.js";
import { ageColours, kindColours, LRU_COLOURS, MT_COLOURS, mix, OWNER_COLOURS, rgb, ZONE_COLOURS, type Theme } from "../palette.js";
import { fmtAddr, fmtPages, fmtTime, hex } from "../format.js";
import { PAGE_MAP_LIMIT, PAGE_WINDOW_LIMIT, type GridRect, type MachineLayout, type MapFrame, type MemcgLegend, type OwnerLegend, type PageInfo, type RmapEntry } from "../worker/protocol.js";

const KIND_LABELS = ["hole", "free (buddy)", "free (per-CPU list)", "anonymous", "page cache", "shmem", "page table", "slab", "kernel", "reserved", "device (ZONE_DEVICE)"];
const MODE_LABELS: Record<ColourMode, string> = { type: "what it is", lru: "LRU list", zone: "zone", migratetype: "migratetype", owner: "process", memcg: "memcg", age: "age" };
/** The age classes' names (src/api/inspect.ts AGE_CLASS_NAMES, which the page may not import: it is model code). */
const AGE_LABELS = ["free", "allocated at boot (never since)", "< 100 µs", "100 µs – 1 ms", "1 – 10 ms", "10 – 100 ms", "0.1 – 1 s", "1 – 10 s", "≥ 10 s"];

/** The 256-entry colour table of class bytes for the "what it is" and "LRU" modes. */
function classLut(mode: "type" | "lru", theme: Theme): Uint32Array {
  const kc = kindColours(theme);
  const lut = new Uint32Array(256);
  const dim = theme === "dark" ? "#232a31" : "#e6e8ea";
  for (let v = 0; v < 256; v++) {
    const kind = v & 15;
    const sub = v >> 4;
    let c: [number, number, number];
    if (kind >= kc.length) c = rgb(kc[0]);
    else if (mode === "type") {
      if (kind === 1) c = mix(theme === "dark" ? "#6b7582" : "#aeb5bd", kc[1], sub / 10); // low orders stand out: fragmentation
      else if ((kind === 3 || kind === 4 || kind === 5) && (sub === 1 || sub === 3)) c = mix(kc[kind], theme === "dark" ? "#11151a" : "#ffffff", 0.35); // inactive: lighter
      else c = rgb(kc[kind]);
    } else {
      if (kind === 0) c = rgb(kc[0]);
      else if (kind === 1 || kind === 2) c = rgb(kc[1]);
      else if (sub >= 1 && sub <= 5) c = rgb(LRU_COLOURS[sub - 1]);
      else c = rgb(dim);
    }
    lut[v] = pack(c[0], c[1], c[2]);
  }
  return lut;
}

function paletteLut(colours: string[], theme: Theme, other: string): Uint32Array {
  const lut = new Uint32Array(256);
  const o = rgb(other);
  lut.fill(pack(o[0], o[1], o[2]));
  colours.forEach((c, i) => {
    const [r, g, b] = rgb(c);
    lut[i] = pack(r, g, b);
  });
  void theme;
  return lut;
}

/** PageKind values counted per pageblock in a frame's summary (src/api/inspect.ts SUMMARY_KINDS). */
const SUMMARY_KINDS = 11;

/**
 * A machine above PAGE_MAP_LIMIT pages: each pageblock's colour (the average of its pages'
 * colours for "what it is", from the frame's per-pageblock kind counts; the pageblock's own for
 * zone and migratetype; the other modes need a byte per page and fall back to "what it is"),
 * the pyramid over them, and the legend. Simplified: free pages are one colour (the summary
 * does not keep their buddy order) and active and inactive pages are not told apart.
 */
function blockSources(mode: ColourMode, frame: MapFrame, layout: MachineLayout, theme: Theme, perRow: number, background: string): { pyr: BlockPyramid; legend: Sources["legend"] } {
  const kc = kindColours(theme);
  const nb = frame.pbZone.length;
  const colours = new Uint32Array(nb);
  const pbPages = 1 << layout.pageblockOrder;
  const legend: Sources["legend"] = [];
  if (mode === "zone" || mode === "migratetype") {
    const { src, legend: l } = sourcesFor(mode, frame, layout, theme, null, null);
    for (let b = 0; b < nb; b++) colours[b] = src.lut[src.bytes[b]];
    return { pyr: new BlockPyramid(colours, perRow, pbPages), legend: l };
  }
  const rgbs = kc.map((c, i) => (i === 0 ? rgb(background) : rgb(c)));
  const counts = new Array<number>(SUMMARY_KINDS).fill(0);
  const sum = frame.summary;
  for (let b = 0; b < nb; b++) {
    let r = 0;
    let g = 0;
    let bl = 0;
    let n = 0;
    for (let k = 0; k < SUMMARY_KINDS; k++) {
      const c = sum[b * SUMMARY_KINDS + k];
      if (c === 0) continue;
      counts[k] += c;
      r += c * rgbs[k][0];
      g += c * rgbs[k][1];
      bl += c * rgbs[k][2];
      n += c;
    }
    colours[b] = n === 0 ? pack(rgbs[0][0], rgbs[0][1], rgbs[0][2]) : pack(Math.round(r / n), Math.round(g / n), Math.round(bl / n));
  }
  KIND_LABELS.forEach((label, i) => {
    if (i !== 0 && (counts[i] > 0 || i <= 6)) legend.push({ label, colour: kc[i], count: counts[i] });
  });
  return { pyr: new BlockPyramid(colours, perRow, pbPages), legend };
}

/**
 * Above PAGE_MAP_LIMIT: the rectangle of the grid the canvas shows, and the one to ask the
 * inspector for (the visible one grown by half its size on each side while that stays within
 * PAGE_WINDOW_LIMIT pages, so a small pan needs no new answer); null when the canvas shows more
 * than PAGE_WINDOW_LIMIT pages (the pyramid alone is drawn).
 */
function pageWindowFor(r: PhysRenderer, cam: Camera, w: number, h: number): { visible: GridRect; fetch: GridRect } | null {
  const clamp = (g: GridRect): GridRect => ({ perRow: r.perRow, r0: Math.max(0, g.r0), r1: Math.min(r.rows, g.r1), c0: Math.max(0, g.c0), c1: Math.min(r.perRow, g.c1) });
  const visible = clamp({ perRow: r.perRow, r0: Math.floor(cam.y), r1: Math.ceil(cam.y + h / cam.scale), c0: Math.floor(cam.x), c1: Math.ceil(cam.x + w / cam.scale) });
  const pages = (g: GridRect): number => Math.max(0, g.r1 - g.r0) * Math.max(0, g.c1 - g.c0);
  if (pages(visible) === 0 || pages(visible) > PAGE_WINDOW_LIMIT) return null;
  const dr = Math.ceil((visible.r1 - visible.r0) / 2);
  const dc = Math.ceil((visible.c1 - visible.c0) / 2);
  const grown = clamp({ perRow: r.perRow, r0: visible.r0 - dr, r1: visible.r1 + dr, c0: visible.c0 - dc, c1: visible.c1 + dc });
  return { visible, fetch: pages(grown) <= PAGE_WINDOW_LIMIT ? grown : visible };
}

const covers = (a: GridRect, b: GridRect): boolean => a.r0 <= b.r0 && a.r1 >= b.r1 && a.c0 <= b.c0 && a.c1 >= b.c1;

interface Sources {
  src: Source;
  legend: Array<{ label: string; colour: string; count: number }>;
}

function countKinds(classes: Uint8Array): number[] {
  const n = new Array<number>(16).fill(0);
  for (let i = 0; i < classes.length; i++) n[classes[i] & 15]++;
  return n;
}

/** What to draw for a mode: the bytes, their shift and the colour table, and the legend. */
function sourcesFor(mode: ColourMode, frame: MapFrame, layout: MachineLayout, theme: Theme, owners: { out: Uint8Array; legend: OwnerLegend } | null, ages: Uint8Array | null, groups: { out: Uint8Array; legend: MemcgLegend } | null = null): Sources {
  const kc = kindColours(theme);
  const hole = kc[0];
  if (mode === "memcg") {
    // Pages charged to a group in its colour; the rest (the root's, uncharged, free) dimmed.
    const none = theme === "dark" ? "#232a31" : "#e6e8ea";
    if (groups === null) return { src: { bytes: frame.classes, shift: 0, lut: paletteLut([], theme, none) }, legend: [] };
    const colours = [none, ...groups.legend.paths.map((_, i) => OWNER_COLOURS[i % OWNER_COLOURS.length])];
    const counts = new Array<number>(256).fill(0);
    for (const v of groups.out) counts[v]++;
    const legend = groups.legend.paths.map((path, i) => ({ label: `memcg ${path}`, colour: colours[i + 1], count: counts[i + 1] }));
    legend.push({ label: "no group (root, or not charged)", colour: none, count: counts[0] });
    return { src: { bytes: groups.out, shift: 0, lut: paletteLut(colours, theme, none) }, legend };
  }
  if (mode === "age") {
    const colours = ageColours(theme);
    if (ages === null) return { src: { bytes: frame.classes, shift: 0, lut: paletteLut([], theme, colours[0]) }, legend: [] };
    // A hole is class 0 too (no age): keep it the background's colour.
    const bytes = new Uint8Array(ages);
    for (let i = 0; i < bytes.length; i++) if ((frame.classes[i] & 15) === 0) bytes[i] = 255;
    const counts = new Array<number>(256).fill(0);
    for (const v of bytes) counts[v]++;
    const lut = paletteLut(colours, theme, hole);
    return { src: { bytes, shift: 0, lut }, legend: AGE_LABELS.map((label, i) => ({ label, colour: colours[i], count: counts[i] })).filter((l, i) => i === 0 || l.count > 0) };
  }
  if (mode === "type" || mode === "lru") {
    const counts = countKinds(frame.classes);
    const legend =
      mode === "type"
        ? KIND_LABELS.map((label, i) => ({ label, colour: kc[i], count: counts[i] })).filter((l, i) => i !== 0 && (l.count > 0 || i <= 6))
        : ["inactive anon", "active anon", "inactive file", "active file", "unevictable"].map((label, i) => {
            let c = 0;
            for (const v of frame.classes) if (v >> 4 === i + 1 && (v & 15) >= 3) c++;
            return { label, colour: LRU_COLOURS[i], count: c };
          });
    return { src: { bytes: frame.classes, shift: 0, lut: classLut(mode, theme) }, legend };
  }
  if (mode === "zone") {
    const colours = new Array<string>(255).fill(hole);
    const legend = layout.zones.map((z) => {
      colours[z.id] = ZONE_COLOURS[z.name] ?? "#999999";
      return { label: `${z.name}${layout.nodes > 1 ? ` (node ${z.node})` : ""}`, colour: colours[z.id], count: z.present };
    });
    return { src: { bytes: frame.pbZone, shift: layout.pageblockOrder, lut: paletteLut(colours, theme, hole) }, legend };
  }
  if (mode === "migratetype") {
    // Holes keep the background: a pageblock outside every zone has no migratetype.
    const comb = new Uint8Array(frame.pbMt.length);
    const counts = new Array<number>(8).fill(0);
    for (let b = 0; b < comb.length; b++) {
      comb[b] = frame.pbZone[b] === 255 ? 255 : frame.pbMt[b];
      if (comb[b] !== 255) counts[comb[b]]++;
    }
    const legend = layout.migratetypes.map((label, i) => ({ label: `${label} pageblocks`, colour: MT_COLOURS[i], count: counts[i] << layout.pageblockOrder }));
    return { src: { bytes: comb, shift: layout.pageblockOrder, lut: paletteLut(MT_COLOURS, theme, hole) }, legend };
  }
  // owner
  const none = theme === "dark" ? "#232a31" : "#e6e8ea";
  if (owners === null) return { src: { bytes: frame.classes, shift: 0, lut: paletteLut([], theme, none) }, legend: [] };
  const colours = [none, ...owners.legend.pids.map((_, i) => OWNER_COLOURS[i % OWNER_COLOURS.length])];
  const lut = paletteLut(colours, theme, none);
  const several = rgb(theme === "dark" ? "#f5f5f5" : "#111111");
  lut[255] = pack(several[0], several[1], several[2]);
  const counts = new Array<number>(256).fill(0);
  for (const v of owners.out) counts[v]++;
  const legend = owners.legend.pids.map((pid, i) => ({ label: `${owners.legend.comms[i]} [${pid}]`, colour: colours[i + 1], count: counts[i + 1] }));
  legend.push({ label: "mapped by several", colour: theme === "dark" ? "#f5f5f5" : "#111111", count: counts[255] });
  return { src: { bytes: owners.out, shift: 0, lut }, legend };
}

export function PhysicalView() {
  const s = useSession();
  const layout = s.layout;
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  // The canvas's size in pixels, once its box has been measured (null before: nothing is drawn).
  const [measured, setSize] = useState<{ w: number; h: number } | null>(null);
  const size = measured ?? { w: 800, h: 500 };
  // The camera the user moved to, for the machine it was set on (a new machine fits the whole of
  // it again; until the user moves, the fit follows the canvas's size). A resize keeps the user's
  // camera: the toolbar's text wrapping to a second line must not throw a zoom away.
  const [camState, setCamState] = useState<{ key: string; cam: Camera } | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const [info, setInfo] = useState<PageInfo | null>(null);
  const [rmap, setRmap] = useState<RmapEntry[] | null>(null);
  const [owners, setOwners] = useState<{ out: Uint8Array; legend: OwnerLegend } | null>(null);
  const [ages, setAges] = useState<Uint8Array | null>(null);
  const [groups, setGroups] = useState<{ out: Uint8Array; legend: MemcgLegend } | null>(null);
  const renderer = useMemo(() => (layout ? new PhysRenderer(layout.maxPfn) : null), [layout]);
  const camKey = String(layout?.maxPfn ?? 0);
  const fitted = useMemo(() => (renderer === null || measured === null ? null : renderer.wholeMachineCamera(measured.w, measured.h)), [renderer, measured]);
  const cam = fitted === null ? null : camState !== null && camState.key === camKey ? camState.cam : fitted;
  const setCam = (c: Camera): void => setCamState({ key: camKey, cam: c });
  const fr = s.frameAt(s.t);
  const mode = s.state.colour;
  const exact = s.exactAt();
  const selected = s.state.pfn;

  // The canvas follows its box, which exists once the machine has booted (the recorder's first
  // message) — before its first map, so the box is measured while the worker takes that map, and
  // the map is drawn in the task that receives it. Measured before the browser paints (a layout
  // effect).
  const mounted = layout !== null;
  useLayoutEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const measure = (): void => {
      const w = Math.max(200, Math.floor(el.clientWidth));
      const h = Math.max(200, Math.floor(el.clientHeight));
      setSize((old) => (old !== null && old.w === w && old.h === h ? old : { w, h }));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [mounted]);

  // Owners come from the inspector (a walk of every page table at the cursor).
  useEffect(() => {
    setOwners(null);
    if (mode !== "owner" || exact === null) return;
    let live = true;
    void s.query<{ out: Uint8Array; legend: OwnerLegend }>({ type: "owners" }).then((o) => live && setOwners(o));
    return () => {
      live = false;
    };
  }, [mode, exact, s]);

  // And memory cgroups: the inspector reads every page's memcg_data at the cursor.
  useEffect(() => {
    setGroups(null);
    if (mode !== "memcg" || exact === null) return;
    let live = true;
    void s.query<{ out: Uint8Array; legend: MemcgLegend }>({ type: "memcgs" }).then((g) => live && g !== null && "out" in g && setGroups(g));
    return () => {
      live = false;
    };
  }, [mode, exact, s]);

  // Ages too: the inspector reads every page's allocation time at the cursor.
  useEffect(() => {
    setAges(null);
    if (mode !== "age" || exact === null) return;
    let live = true;
    void s.query<Uint8Array>({ type: "ages" }).then((a) => live && setAges(a));
    return () => {
      live = false;
    };
  }, [mode, exact, s]);

  const large = layout !== null && layout.maxPfn > PAGE_MAP_LIMIT;
  const bgColour = s.theme === "dark" ? "#0b0f14" : "#fbfbfa";
  const sources = useMemo(() => (fr && layout && !large ? sourcesFor(mode, fr.frame, layout, s.theme, owners, ages, groups) : null), [fr?.frame, layout, mode, s.theme, owners, ages, groups, large]);
  const blocks = useMemo(() => (fr && layout && renderer && large ? blockSources(mode, fr.frame, layout, s.theme, renderer.perRow, bgColour) : null), [fr?.frame, layout, mode, s.theme, large, renderer]);
  const level = blocks && cam ? pyramidLevel(cam.scale, blocks.pyr.levels.length) : 0;

  // A machine over PAGE_MAP_LIMIT zoomed in to at most PAGE_WINDOW_LIMIT pages: the single pages
  // of the rectangle shown, read by the inspector at the cursor from the memmap columns for just
  // that rectangle (the `classes` question), drawn over the pyramid. The colour modes with a
  // byte per page that the window carries ("what it is", LRU) use it.
  const pageWin = useMemo(() => (large && renderer && cam && measured ? pageWindowFor(renderer, cam, measured.w, measured.h) : null), [large, renderer, cam, measured]);
  const [win, setWin] = useState<{ at: object; rect: GridRect; bytes: Uint8Array } | null>(null);
  const winMode = mode === "type" || mode === "lru";
  const winKey = pageWin === null ? "" : `${pageWin.fetch.r0}:${pageWin.fetch.r1}:${pageWin.fetch.c0}:${pageWin.fetch.c1}`;
  const winFresh = win !== null && exact !== null && win.at === exact;
  const winCovers = winFresh && pageWin !== null && covers(win.rect, pageWin.visible);
  useEffect(() => {
    if (pageWin === null || exact === null || !winMode || winCovers) return;
    let live = true;
    const at = exact;
    const rect = pageWin.fetch;
    // Asked once the camera rests (a wheel or a drag moves it every frame).
    const id = setTimeout(() => {
      void s.query<Uint8Array | { error: string }>({ type: "classes", ...rect }).then((b) => {
        if (live && b instanceof Uint8Array) setWin({ at, rect, bytes: b });
      });
    }, 80);
    return () => {
      live = false;
      clearTimeout(id);
    };
  }, [winKey, exact, winMode, winCovers, s]);
  const winLut = useMemo(() => (winMode ? classLut(mode, s.theme) : null), [winMode, mode, s.theme]);
  const winSrc = useMemo<WindowSource | null>(() => (winFresh && winLut !== null && win !== null ? { bytes: win.bytes, lut: winLut, r0: win.rect.r0, r1: win.rect.r1, c0: win.rect.c0, c1: win.rect.c1 } : null), [winFresh, win, winLut]);

  /** Draws the map; returns the ms it took, or null when there is nothing to draw yet. */
  const draw = (): number | null => {
    const c = canvasRef.current;
    if (!c || !renderer || !cam || !fr || (!sources && !blocks)) return null;
    const ctx = c.getContext("2d", { alpha: false });
    if (!ctx) return null;
    const t0 = performance.now();
    const bg = rgb(bgColour);
    if (blocks) {
      renderer.drawBlocks(ctx, size.w, size.h, cam, blocks.pyr, pack(bg[0], bg[1], bg[2]), winSrc);
    } else if (sources) renderer.draw(ctx, size.w, size.h, cam, sources.src, pack(bg[0], bg[1], bg[2]));
    const outline = blocks ? winSrc : fr.frame.classes;
    if (outline !== null) renderer.outlineFree(ctx, size.w, size.h, cam, outline, s.theme === "dark" ? "rgba(255,255,255,0.55)" : "rgba(0,0,0,0.45)");
    const mark = (pfn: number, colour: string): void => {
      const p = renderer.pixelOf(cam, pfn);
      const side = Math.max(6, p.s);
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.strokeRect(p.x + p.s / 2 - side / 2, p.y + p.s / 2 - side / 2, side, side);
    };
    if (selected !== null && selected < renderer.maxPfn) mark(selected, "#F0E442");
    if (hover !== null) mark(hover, s.theme === "dark" ? "#ffffff" : "#000000");
    s.startup.firstDraw ??= performance.now();
    return performance.now() - t0;
  };

  // Redraw after a render that changed what the canvas shows (not on every change of the
  // session: while a run records, the page re-renders every frame for the transport's sake).
  const drawn = useRef<unknown[]>([]);
  useLayoutEffect(() => {
    const key = [canvasRef.current, fr?.frame, cam, size.w, size.h, sources, blocks, winSrc, hover, selected, s.theme];
    if (key.length === drawn.current.length && key.every((v, i) => v === drawn.current[i])) return;
    if (draw() !== null) drawn.current = key;
  });

  // Bench and test hooks: redraw n times, return ms per frame; set the camera; the pfn under a pixel.
  useEffect(() => {
    const w = window as unknown as { __mmsimRedraw?: (n: number) => number; __mmsimCamera?: (c: Camera) => void; __mmsimPfnAt?: (x: number, y: number) => number | null };
    w.__mmsimRedraw = (n: number): number => {
      let total = 0;
      for (let i = 0; i < n; i++) total += draw() ?? 0;
      return total / n;
    };
    w.__mmsimCamera = (c: Camera): void => setCam(c);
    w.__mmsimPfnAt = (x: number, y: number): number | null => (renderer && cam ? renderer.pfnAt(cam, x, y) : null);
  });

  // Hover: the struct page from the inspector when it is at the cursor.
  useEffect(() => {
    setInfo(null);
    const pfn = hover ?? selected;
    if (pfn === null || exact === null) return;
    let live = true;
    const id = setTimeout(() => void s.query<PageInfo>({ type: "page", pfn }).then((p) => live && setInfo(p)), 25);
    return () => {
      live = false;
      clearTimeout(id);
    };
  }, [hover, selected, exact, s]);

  useEffect(() => {
    setRmap(null);
    if (selected === null || exact === null) return;
    let live = true;
    void s.query<RmapEntry[]>({ type: "rmap", pfn: selected }).then((r) => live && setRmap(r));
    return () => {
      live = false;
    };
  }, [selected, exact, s]);

  const drag = useRef<{ x: number; y: number; cam: Camera; moved: boolean } | null>(null);
  const onWheel = (e: WheelEvent): void => {
    if (!cam || !renderer) return;
    e.preventDefault();
    const rect = (e.currentTarget as HTMLCanvasElement).getBoundingClientRect();
    const px = e.clientX - rect.left;
    const py = e.clientY - rect.top;
    const fit = renderer.wholeMachineCamera(size.w, size.h).scale;
    const scale = Math.min(64, Math.max(fit * 0.5, cam.scale * Math.pow(1.0015, -e.deltaY)));
    const gx = cam.x + px / cam.scale;
    const gy = cam.y + py / cam.scale;
    setCam({ scale, x: gx - px / scale, y: gy - py / scale });
  };
  const onDown = (e: PointerEvent): void => {
    if (!cam) return;
    drag.current = { x: e.clientX, y: e.clientY, cam, moved: false };
    (e.currentTarget as HTMLCanvasElement).setPointerCapture(e.pointerId);
  };
  const onMove = (e: PointerEvent): void => {
    if (!cam || !renderer) return;
    const d = drag.current;
    if (d && (Math.abs(e.clientX - d.x) + Math.abs(e.clientY - d.y) > 3 || d.moved)) {
      d.moved = true;
      setCam({ scale: d.cam.scale, x: d.cam.x - (e.clientX - d.x) / d.cam.scale, y: d.cam.y - (e.clientY - d.y) / d.cam.scale });
      return;
    }
    const rect = (e.currentTarget as HTMLCanvasElement).getBoundingClientRect();
    const pfn = renderer.pfnAt(cam, e.clientX - rect.left, e.clientY - rect.top);
    setHover(pfn);
    s.hoverPfn = pfn;
  };
  const onUp = (e: PointerEvent): void => {
    const d = drag.current;
    drag.current = null;
    if (d && !d.moved && cam && renderer) {
      const rect = (e.currentTarget as HTMLCanvasElement).getBoundingClientRect();
      const pfn = renderer.pfnAt(cam, e.clientX - rect.left, e.clientY - rect.top);
      s.set("pfn", pfn);
    }
  };

  if (!layout) return <div class="empty">{s.status === "failed" ? "The run failed: see the message above." : "Booting the machine…"}</div>;
  const focus = hover ?? selected;
  const cls = focus !== null && !large && fr !== null ? fr.frame.classes[focus] : focus !== null && winSrc !== null && renderer !== null ? windowClass(winSrc, renderer.perRow, focus) : -1;
  const legend = blocks?.legend ?? sources?.legend ?? [];
  const pagesPerPixel = cam ? 1 / cam.scale ** 2 : 1;
  return (
    <div class="physical">
      <div class="toolbar">
        <span class="label">colour by</span>
        <div class="seg" role="group" aria-label="colour mode">
          {COLOUR_MODES.map((m) => (
            <button key={m} class={m === mode ? "on" : ""} onClick={() => s.setColour(m)} data-mode={m}>
              {MODE_LABELS[m]}
            </button>
          ))}
        </div>
        <button onClick={() => renderer && setCam(renderer.wholeMachineCamera(size.w, size.h))} title="fit the whole machine (double-click)">
          fit
        </button>
        <span class="dim">
          {fmtPages(layout.maxPfn)} · {cam && cam.scale >= 1 ? `${cam.scale.toFixed(1)} px per page` : `${pagesPerPixel.toFixed(1)} pages per pixel`} · {renderer ? `${renderer.perRow} pages per row` : ""} ·{" "}
          {large && <span data-testid="pyramid-level">pageblock pyramid, level {level} ({2 ** level} pageblocks a cell) · </span>}
          {large && pageWin !== null && winMode && (winCovers ? <span data-testid="page-window">single pages · </span> : <span>{exact ? "reading the pages shown… · " : "pause for single pages · "}</span>)}
          {fr === null ? <span>booted; taking the first map…</span> : fr.exact ? <span class="ok">exact state at {fmtTime(exact?.t ?? fr.frame.t)}</span> : <span>map recorded at {fmtTime(fr.frame.t)}</span>}
        </span>
      </div>
      <div class="phys-body">
        <div class="canvas-wrap" ref={wrapRef}>
          <canvas
            ref={canvasRef}
            width={size.w}
            height={size.h}
            data-testid="physmap"
            onWheel={onWheel}
            onPointerDown={onDown}
            onPointerMove={onMove}
            onPointerUp={onUp}
            onPointerLeave={() => setHover(null)}
            onDblClick={() => renderer && setCam(renderer.wholeMachineCamera(size.w, size.h))}
          />
          {large && (mode === "lru" || mode === "owner" || mode === "memcg" || mode === "age") && (
            <div class="overlay-note" data-testid="large-note">
              {MODE_LABELS[mode]}: needs a byte per page, which a machine over {PAGE_MAP_LIMIT / 2 ** 18} GiB does not record — drawn by what the pages are
            </div>
          )}
          {!large && mode === "age" && ages === null && <div class="overlay-note">{exact ? "reading every page's allocation time…" : "pause to colour pages by age (the inspector reads them at the cursor)"}</div>}
          {!large && mode === "memcg" && groups === null && <div class="overlay-note">{exact ? "reading every page's memory cgroup…" : "pause to colour pages by memory cgroup (the inspector reads every page's memcg at the cursor)"}</div>}
          {!large && mode === "owner" && owners === null && <div class="overlay-note">{exact ? "walking every page table…" : "pause to colour pages by process (the inspector walks every page table at the cursor)"}</div>}
        </div>
        <aside class="side">
          <section>
            <h3>legend</h3>
            <ul class="legend">
              {legend.map((l) => (
                <li key={l.label}>
                  <i style={{ background: l.colour }} />
                  <span>{l.label}</span>
                  <b>{fmtPages(l.count)}</b>
                </li>
              ))}
            </ul>
            {mode === "age" && (
              <p class="hint" data-testid="age-hint">
                Age is the time since the page was allocated (page_owner's allocation time, which the model stamps on every allocation). The model records no access times, so a page in constant use ages like an idle one; free pages have no age.
              </p>
            )}
            {mode === "memcg" && (
              <p class="hint" data-testid="memcg-hint">
                The memory cgroup each page is charged to (page-&gt;memcg_data): user pages and __GFP_ACCOUNT kernel pages (page tables). The root group is never charged, so its pages show as no group.
              </p>
            )}
            {mode === "type" && <p class="hint">Free pages are lighter the larger their buddy block: dark specks are fragmentation. Zoomed in, free blocks are outlined.</p>}
          </section>
          <section class="pageinfo" data-testid="pageinfo">
            <h3>{focus === null ? "page" : `pfn ${hex(focus)}${hover !== null ? "" : " (selected)"}`}</h3>
            {focus === null && <p class="hint">Hover a page to decode it; click to see who maps it.</p>}
            {focus !== null && info === null && cls < 0 && <p class="dim">{exact ? "decoding…" : "pause to decode its struct page"}</p>}
            {focus !== null && info === null && cls >= 0 && (
              <p>
                {KIND_LABELS[cls & 15]}
                {(cls & 15) === 1 ? `, in an order-${cls >> 4} block` : ""}
                {(cls & 15) >= 3 && cls >> 4 ? `, on the ${["inactive anon", "active anon", "inactive file", "active file", "unevictable"][(cls >> 4) - 1]} list` : ""}
                <br />
                <span class="dim">{exact ? "decoding…" : "pause to decode its struct page"}</span>
              </p>
            )}
            {info !== null && "pfn" in info && (
              <div>
                <pre class="dump" data-testid="dump">{info.dump.join("\n")}</pre>
                <table class="kv">
                  <tbody>
                    <tr><th>kind</th><td data-field="kind">{info.kind}</td></tr>
                    <tr><th>flags</th><td data-field="flags">{info.flags.join(" ") || "none"}</td></tr>
                    <tr><th>refcount</th><td data-field="refcount">{info.refcount}</td></tr>
                    <tr><th>mapcount</th><td data-field="mapcount">{info.mapcount}</td></tr>
                    <tr><th>order</th><td data-field="order">{info.order ?? "—"}{info.blockHead !== null && info.blockHead !== info.pfn ? ` (block at ${hex(info.blockHead)})` : ""}</td></tr>
                    <tr><th>mapping</th><td>{info.mapping ?? "—"}</td></tr>
                    <tr><th>index</th><td>{hex(info.index)}</td></tr>
                    <tr><th>zone</th><td data-field="zone">{info.zone === "Device" ? "Device (ZONE_DEVICE)" : (info.zone ?? "hole")}{info.node !== null && layout.nodes > 1 ? ` (node ${info.node})` : ""}</td></tr>
                    {info.pgmap && <tr><th>pgmap</th><td data-field="pgmap">{info.pgmap}</td></tr>}
                    <tr><th>pageblock</th><td>{info.migratetype}</td></tr>
                    <tr><th>LRU</th><td>{info.lru ?? "—"}</td></tr>
                    {info.swap && <tr><th>swap</th><td>{info.swap}</td></tr>}
                    <tr><th>memcg</th><td data-field="memcg">{info.memcgPath === null ? "none (the root's, or not charged)" : `${info.memcgPath}${info.memcgKmem ? " (kernel memory)" : ""}`}</td></tr>
                  </tbody>
                </table>
              </div>
            )}
          </section>
          {selected !== null && (
            <section data-testid="rmap">
              <h3>who maps pfn {hex(selected)}</h3>
              {rmap === null ? (
                <p class="dim">{exact ? "walking…" : "pause to walk the rmap"}</p>
              ) : rmap.length === 0 ? (
                <p>no process maps it (rmap_walk finds no PTE)</p>
              ) : (
                <ul class="rmap">
                  {rmap.map((r) => (
                    <li key={`${r.pid}-${r.address}`}>
                      <a
                        href="#"
                        onClick={(e) => {
                          e.preventDefault();
                          s.state = { ...s.state, pid: r.pid, addr: r.address };
                          s.setView("address");
                        }}
                      >
                        {r.comm}[{r.pid}] @ {fmtAddr(r.address)}
                      </a>{" "}
                      <span class="dim">{r.pte.join(" ")}</span>
                    </li>
                  ))}
                </ul>
              )}
              <History pfn={selected} />
            </section>
          )}
        </aside>
      </div>
    </div>
  );
}

/** The class byte of pfn in a window of the grid, or -1 outside it. */
function windowClass(w: WindowSource, perRow: number, pfn: number): number {
  const r = Math.floor(pfn / perRow);
  const c = pfn % perRow;
  if (r < w.r0 || r >= w.r1 || c < w.c0 || c >= w.c1) return -1;
  return w.bytes[(r - w.r0) * (w.c1 - w.c0) + (c - w.c0)];
}

/** The page's class at each recorded map of this run: a strip, one cell per map. */
function History({ pfn }: { pfn: number }) {
  const s = useSession();
  const kc = kindColours(s.theme);
  const maps = s.maps;
  if (maps.length === 0) return null;
  return (
    <div class="history">
      <h4>this page in this run</h4>
      <div class="strip">
        {maps.map((m, i) => {
          const v = m.classes[pfn] ?? 0;
          return (
            <i
              key={i}
              style={{ background: kc[v & 15] ?? kc[0], outline: m.t <= s.t && (maps[i + 1]?.t ?? Infinity) > s.t ? "1px solid currentColor" : "none" }}
              title={`${fmtTime(m.t)}: ${KIND_LABELS[v & 15]}${(v & 15) === 1 ? ` order ${v >> 4}` : ""}`}
              onClick={() => s.seek(m.t)}
            />
          );
        })}
      </div>
    </div>
  );
}
