/** A batch's function as this node runs it: fetched from the function bucket, its models this node's copies. */
import type { FunctionStore } from "../cluster/function-store";
import type { ModelCache } from "../cluster/model-store";
import type { BatchMessage } from "../cluster/wire";
import { modelIdOf } from "../share";
import type { ShippedFunction } from "../ship/types";

export class BatchFunctions {
  private readonly prepared = new Map<string, ShippedFunction>();

  constructor(
    private readonly functions: FunctionStore,
    private readonly models: ModelCache,
  ) {}

  /**
   * The batch's function with its model references turned into this node's shared models; the models it
   * acquires are pushed on `pinned` for the caller to release when the batch ends.
   */
  async get(b: BatchMessage, pinned: string[]): Promise<ShippedFunction> {
    const fn = await this.functions.get(b.fn);
    const local: Record<string, string> = {};
    for (const [name, v] of Object.entries(fn.scope)) {
      if (v.kind !== "model") continue;
      const root = await this.models.acquire(v.id);
      pinned.push(v.id);
      local[name] = modelIdOf(root)!;
    }
    if (Object.keys(local).length === 0) return fn;
    // Stable objects per (function, local ids): the pool keeps a function compiled per object.
    const key = `${b.fn}:${Object.values(local).join(",")}`;
    let out = this.prepared.get(key);
    if (!out) {
      const scope = { ...fn.scope };
      for (const [name, id] of Object.entries(local)) scope[name] = { kind: "model", id };
      out = { ...fn, scope };
      this.prepared.set(key, out);
      if (this.prepared.size > 64) this.prepared.delete(this.prepared.keys().next().value!);
    }
    return out;
  }
}
