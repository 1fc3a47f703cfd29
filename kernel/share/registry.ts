import type { ModelPayload } from "./model-payload";

export interface ModelEntry {
  readonly id: string;
  readonly name: string;
  /** Bytes of shared memory the model's typed arrays occupy (each SharedArrayBuffer counted once). */
  readonly bytes: number;
  readonly payload: Omit<ModelPayload, "root">;
}

export interface ModelInfo {
  id: string;
  name: string;
  bytes: number;
}

/**
 * Every live shared model of this process. Roots are held weakly: when the notebook drops a model, the pool
 * hears of it (`onRelease`) and tells workers to drop their cached copies, so the shared memory can be freed.
 */
class ModelRegistry {
  private n = 0;
  private readonly entries = new Map<string, { entry: ModelEntry; root: WeakRef<object> }>();
  private readonly listeners = new Set<(id: string) => void>();
  private readonly finalizer = new FinalizationRegistry<string>((id) => this.release(id));

  nextId(): string {
    return `m${++this.n}`;
  }

  add(root: object, entry: ModelEntry): void {
    this.entries.set(entry.id, { entry, root: new WeakRef(root) });
    this.finalizer.register(root, entry.id, root);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get(id: string): { entry: ModelEntry; root: object } | undefined {
    const e = this.entries.get(id);
    const root = e?.root.deref();
    return e && root ? { entry: e.entry, root } : undefined;
  }

  list(): ModelInfo[] {
    const out: ModelInfo[] = [];
    for (const { entry } of this.entries.values()) out.push({ id: entry.id, name: entry.name, bytes: entry.bytes });
    return out;
  }

  /** Forgets a model now; workers drop their copies. Using it in a later map shares it again. */
  release(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    const root = e.root.deref();
    if (root) this.finalizer.unregister(root);
    for (const l of this.listeners) l(id);
  }

  onRelease(listener: (id: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const modelRegistry = new ModelRegistry();
