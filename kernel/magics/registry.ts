import { Magic, MagicError, MagicLookup } from "./types";

/** Magics by name. A magic that has `line` is a line magic, one that has `cell` a cell magic, or both. */
export class MagicRegistry implements MagicLookup {
  private readonly magics = new Map<string, Magic>();

  register(magic: Magic): void {
    if (this.magics.has(magic.name)) throw new Error(`magic %${magic.name} is already registered`);
    this.magics.set(magic.name, magic);
  }

  get(name: string): Magic | undefined {
    return this.magics.get(name);
  }

  names(kind: "line" | "cell"): string[] {
    return [...this.magics.values()]
      .filter((m) => (kind === "line" ? m.line : m.cell))
      .map((m) => m.name)
      .sort();
  }

  /** Resolves a magic or throws an error that names it and suggests the closest names. */
  require(name: string, kind: "line" | "cell"): Magic {
    const m = this.magics.get(name);
    const prefix = kind === "line" ? "%" : "%%";
    if (m && (kind === "line" ? m.line : m.cell)) return m;
    if (m) {
      const other = kind === "line" ? "%%" : "%";
      throw new MagicError(`${prefix}${name} is not a ${kind} magic; use ${other}${name} (see ${other}${name}?)`);
    }
    const close = closest(name, this.names(kind));
    const hint = close.length ? ` Did you mean ${close.map((c) => prefix + c).join(", ")}?` : "";
    throw new MagicError(`unknown ${kind} magic ${prefix}${name}.${hint} %lsmagic lists them all.`);
  }
}

/** Names within a small edit distance, best first (what a typo most likely meant). */
export function closest(word: string, candidates: string[], max = 3): string[] {
  const scored = candidates
    .map((c) => ({ c, d: c.startsWith(word) || word.startsWith(c) ? 1 : editDistance(word, c) }))
    .filter(({ c, d }) => d <= Math.max(2, Math.floor(c.length / 3)))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c));
  return scored.slice(0, max).map(({ c }) => c);
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}
