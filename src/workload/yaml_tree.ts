/**
 * The YAML tree the scenario parser reads: mappings, sequences, scalars and resolved aliases,
 * each with the offset in the text where it starts (what messages turn into line:col). Two
 * readers build it and must agree node for node, offset for offset:
 *
 * - `parseYamlSubset` (yaml_fast.ts), a single pass over the text for the plain subset scenario
 *   files are written in, in time and memory proportional to the file;
 * - `fromYamlDocument` here, which converts the `yaml` package's Document for everything else
 *   (anchors and aliases, multi-line scalars, tags) and for the package's syntax error messages.
 *
 * Aliases are resolved once, in document order (the last anchor of that name before the alias,
 * as YAML says), so reading an alias costs one field load instead of a walk of the document.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node as YamlPackageNode } from "yaml";

/** A node of the tree: `kind` says which. */
export type YNode = YMap | YSeq | YScalar | YAlias;

// The node classes keep `kind` on the prototype, not in each node: a scenario's tree has a node
// per key and per value, and eight bytes less on each is a tenth of the tree.

export class YMap {
  get kind(): "map" {
    return "map";
  }
  constructor(
    /** Offset of the mapping's start: its first key (block) or its `{` (flow). */
    readonly offset: number,
    /**
     * Keys and values, alternately: key i at 2i, its value at 2i + 1 (null only where the YAML
     * gives no node at all). One flat array, rather than an object per pair.
     */
    readonly kv: Array<YNode | null>,
  ) {}
}

export class YSeq {
  get kind(): "seq" {
    return "seq";
  }
  constructor(
    /** Offset of the first `-` (block) or of `[` (flow). */
    readonly offset: number,
    readonly items: Array<YNode | null>,
  ) {}
}

export class YScalar {
  get kind(): "scalar" {
    return "scalar";
  }
  constructor(
    /** Offset of the first character (the quote of a quoted scalar); an empty value sits just after its `:` or `-` and the spaces that follow. */
    readonly offset: number,
    /** As the YAML 1.2 core schema resolves it: string, number, boolean or null (a tagged value may be something else). */
    readonly value: unknown,
  ) {}
}

export class YAlias {
  get kind(): "alias" {
    return "alias";
  }
  constructor(
    readonly offset: number,
    /** The anchored node it stands for, or null when no anchor of that name comes before it. */
    readonly target: YNode | null,
    /** The anchor's name. */
    readonly source: string,
  ) {}
}

/** Line and column (1-based) of offsets, from the line starts found once. */
export class LineIndex {
  private starts: number[] | null = null;
  constructor(private readonly text: string) {}

  linePos(offset: number): { line: number; col: number } {
    if (this.starts === null) {
      const s = [0];
      for (let i = this.text.indexOf("\n"); i !== -1; i = this.text.indexOf("\n", i + 1)) s.push(i + 1);
      this.starts = s;
    }
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - s[lo] + 1 };
  }
}

/** What went wrong converting: an alias that stands for a node containing it. */
export class AliasCycle extends Error {
  constructor(
    readonly offset: number,
    readonly source: string,
  ) {
    super(`alias *${source} stands for a node that contains it`);
  }
}

/**
 * The `yaml` package's Document as a YNode tree (null for an empty document). Aliases are
 * resolved in the one walk: anchors are met in document order, so the map holds, at each alias,
 * the last anchor of its name before it. An alias inside the node its anchor names (a cycle) is
 * refused: the scenario parser follows aliases and would go round forever.
 * @throws AliasCycle
 */
export function fromYamlDocument(doc: Document.Parsed): YNode | null {
  const anchors = new Map<string, YNode>();
  /** The collections being converted: an alias to one of them is a cycle. */
  const open = new Set<YNode>();
  const anchor = (n: YamlPackageNode, node: YNode): void => {
    // An anchor names its node from its start, so an alias inside the node already means it.
    if (n.anchor) anchors.set(n.anchor, node);
  };
  const convert = (n: unknown): YNode | null => {
    if (n === null || n === undefined) return null;
    if (isAlias(n)) {
      const target = anchors.get(n.source) ?? null;
      if (target !== null && open.has(target)) throw new AliasCycle(n.range?.[0] ?? 0, n.source);
      return new YAlias(n.range?.[0] ?? 0, target, n.source);
    }
    if (isMap(n)) {
      const kv: Array<YNode | null> = [];
      const node = new YMap(n.range?.[0] ?? 0, kv);
      anchor(n, node);
      open.add(node);
      for (const p of n.items) {
        if (!isPair(p)) continue;
        kv.push(convert(p.key) ?? new YScalar(node.offset, null), convert(p.value));
      }
      open.delete(node);
      return node;
    }
    if (isSeq(n)) {
      const items: Array<YNode | null> = [];
      const node = new YSeq(n.range?.[0] ?? 0, items);
      anchor(n, node);
      open.add(node);
      for (const it of n.items) items.push(convert(it));
      open.delete(node);
      return node;
    }
    if (isScalar(n)) {
      const node = new YScalar(n.range?.[0] ?? 0, n.value);
      anchor(n, node);
      return node;
    }
    return new YScalar(0, undefined);
  };
  return convert(doc.contents);
}

/** The first alias in a tree (for the position of an alias-count message), or null. */
export function firstAlias(root: YNode | null): YAlias | null {
  const stack: Array<YNode | null> = [root];
  let best: YAlias | null = null;
  while (stack.length) {
    const n = stack.pop() ?? null;
    if (n === null) continue;
    if (n.kind === "alias") {
      if (best === null || n.offset < best.offset) best = n;
    } else if (n.kind === "map") {
      for (const x of n.kv) stack.push(x);
    } else if (n.kind === "seq") {
      for (const it of n.items) stack.push(it);
    }
  }
  return best;
}
