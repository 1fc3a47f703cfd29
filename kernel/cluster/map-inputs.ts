/** What a cluster map stores before its first batch: its function and its models, where every node can fetch them. */
import { isModelFileSource, type ResolvedMapOptions } from "../map";
import { modelRegistry } from "../share";
import { share } from "../share/share";
import type { ShippedFunction } from "../ship/types";
import type { FunctionStore } from "./function-store";
import type { ModelPublisher } from "./model-store";

/** The function's hash in the function bucket and the `model` option's digest (or its `file:PATH`), for batches. */
export async function publishMapInputs(
  fn: ShippedFunction,
  opts: ResolvedMapOptions,
  functions: FunctionStore,
  models: ModelPublisher,
): Promise<{ fnHash: string; modelDigest: string | null }> {
  // The function refers to models by digest, so every node resolves them to its own copy.
  const scope: Record<string, ShippedFunction["scope"][string]> = { ...fn.scope };
  for (const [name, v] of Object.entries(scope)) {
    if (v.kind !== "model") continue;
    const e = modelRegistry.get(v.id);
    if (!e)
      throw new Error(`${opts.name}: shared model ${v.id} was released or never shared; share it again before the map`);
    scope[name] = { kind: "model", id: await models.publish(e.root) };
  }
  let modelDigest: string | null = null;
  // A file every node can read: each agent loads it itself, nothing goes through the Object Store.
  if (isModelFileSource(opts.model)) modelDigest = opts.model;
  // An object, as resolveMapOptions checked (map/options.ts checkModel).
  else if (opts.model !== undefined) modelDigest = await models.publish(share(opts.model));
  return { fnHash: await functions.put({ ...fn, scope }), modelDigest };
}
