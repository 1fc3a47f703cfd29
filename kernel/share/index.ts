import { readFileShared, share as shareObject, isSharedModel, modelIdOf } from "./share";
import { modelRegistry } from "./registry";

export type { SharedModelRoot, ShareOptions } from "./share";
export type { ModelInfo } from "./registry";
export type { ModelPayload } from "./model-payload";
export { isSharedModel, modelIdOf, modelRegistry };

/** `share(obj)` moves a model to shared memory; `share.readFile(path, Float32Array)` loads one from disk. */
export const share = Object.assign(shareObject, {
  readFile: readFileShared,
  /** Forgets a shared model: workers drop their copies and the memory can be freed once the notebook drops it too. */
  release(model: object): void {
    const id = modelIdOf(model);
    if (id) modelRegistry.release(id);
  },
});
