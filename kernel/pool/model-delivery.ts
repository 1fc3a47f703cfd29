import { isModelFileSource, loadModelSource, type ModelFileSource } from "../share/model-file";
import { modelRegistry } from "../share/registry";
import { isSharedModel, modelIdOf, share } from "../share/share";
import type { WorkerHandle } from "./worker-handle";

/**
 * A model's shared root: a plain object is shared (moved to shared memory) first. Its type was checked once
 * (map/options.ts checkModel) before it got here.
 */
export function sharedRootOf(model: object | ModelFileSource): object {
  if (isModelFileSource(model)) return loadModelSource(model).root;
  return isSharedModel(model) ? model : share(model);
}

/**
 * Every model a map needs, by id: the `model` option and the models its function reaches by name (which
 * travel by handle too). Held by the map so they outlive it even if the notebook drops them.
 */
export function modelsOfMap(modelRoot: object | undefined, scopeModelIds: readonly string[], name: string) {
  const modelId = modelRoot === undefined ? null : modelIdOf(modelRoot)!;
  const models = new Map<string, object>();
  if (modelId !== null) models.set(modelId, modelRoot!);
  for (const id of scopeModelIds) {
    if (models.has(id)) continue;
    const e = modelRegistry.get(id);
    if (!e) throw new Error(`${name}: shared model ${id} was released or never shared; share it again before the map`);
    models.set(id, e.root);
  }
  return { modelId, models };
}

/**
 * Sends shared models to workers, each once per worker (before the first chunk that needs it), and drops
 * them from workers when the notebook releases them.
 */
export class ModelDelivery {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly unsubscribe: () => void;

  constructor(workers: readonly WorkerHandle[]) {
    this.unsubscribe = modelRegistry.onRelease((id) => {
      for (const h of workers) if (h.models.delete(id)) h.post({ t: "drop-model", id });
    });
  }

  send(h: WorkerHandle, id: string, root: object): void {
    const e = modelRegistry.get(id);
    if (!e) throw new Error(`model ${id} was released; share it again`);
    h.models.add(id);
    h.post({ t: "model", payload: { ...e.entry.payload, root } });
  }

  /** Sends the model and resolves once the worker has rebuilt it (for `preload`). */
  sendAndWait(h: WorkerHandle, id: string, root: object): Promise<void> {
    const done = new Promise<void>((r) => {
      let set = this.waiters.get(id);
      if (!set) this.waiters.set(id, (set = new Set()));
      set.add(r);
    });
    this.send(h, id, root);
    return done;
  }

  /** A worker said `model-ok`: one waiter for that model is done. */
  confirmed(id: string): void {
    const set = this.waiters.get(id);
    if (!set) return;
    for (const w of set) {
      w();
      set.delete(w);
      break;
    }
    if (set.size === 0) this.waiters.delete(id);
  }

  close(): void {
    this.unsubscribe();
  }
}
