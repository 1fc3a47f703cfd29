import { functionLines, transpileWithLines, type SourceLocation, type Transpiled } from "./cell-lines";

/** How many of the newest chunks an unnamed function is looked for in. */
const RECENT = 20;

interface Chunk {
  readonly source: string;
  readonly cell?: number;
  /** 0-based line of the cell on which this chunk starts (magics before it take lines). */
  readonly firstLine: number;
  transpiled?: Transpiled | null;
}

/**
 * The TypeScript chunks this kernel compiled, newest last, so that a function defined in an earlier cell and
 * failing in a worker can be reported at the line the user typed (`Cell In[4], line 7`) rather than at a
 * line of the compiled JavaScript. Transpiling with a source map happens only when a stack needs it.
 */
export class CellSources {
  private readonly chunks: Chunk[] = [];

  constructor(private readonly limit = 500) {}

  record(source: string, origin: { cell?: number; line?: number } = {}): void {
    this.chunks.push({ source, cell: origin.cell, firstLine: origin.line ?? 0 });
    if (this.chunks.length > this.limit) this.chunks.shift();
  }

  /**
   * The newest chunk holding `compiled` (a redefinition in a later cell wins). `name` narrows the search to
   * chunks that mention it; a function known by another name (an inline arrow a magic calls `fn`) is looked
   * for in the newest chunks only, so that an error never costs a transpile of the whole history.
   */
  locate(compiled: string, name?: string): SourceLocation | undefined {
    return (
      this.search(compiled, (c) => !name || c.source.includes(name), 0) ??
      (name ? this.search(compiled, () => true, this.chunks.length - RECENT) : undefined)
    );
  }

  private search(compiled: string, candidate: (c: Chunk) => boolean, from: number): SourceLocation | undefined {
    for (let i = this.chunks.length - 1; i >= Math.max(0, from); i--) {
      const chunk = this.chunks[i];
      if (!candidate(chunk)) continue;
      if (chunk.transpiled === undefined) {
        try {
          chunk.transpiled = transpileWithLines(chunk.source);
        } catch {
          chunk.transpiled = null;
        }
      }
      if (!chunk.transpiled) continue;
      const lines = functionLines(chunk.transpiled, compiled);
      if (lines) return { cell: chunk.cell, lines: lines.map((l) => l + chunk.firstLine) };
    }
    return undefined;
  }
}
