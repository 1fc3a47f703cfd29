import { readFileShared, share as shareObject, isSharedModel, modelIdOf } from "./share";
import { modelRegistry } from "./registry";
import { loadModelFile, saveModel } from "./model-file";

export type { SharedModelRoot, ShareOptions } from "./share";
export type { ModelInfo } from "./registry";
export type { ModelPayload } from "./model-payload";
export { isSharedModel, modelIdOf, modelRegistry };

/**
 * `share(obj)` moves a model to shared memory; `share.readFile(path, Float32Array)` loads one array from disk;
 * `share.save(model, path)` / `share.load(path)` write and read a whole model (docs/cluster.md: the model file format).
 */
export const share = Object.assign(shareObject, {
  readFile: readFileShared,
  /** Writes a model (shared first) to `path`: structure, classes and page-aligned typed arrays. */
  save: saveModel,
  /** A model written by `share.save`, read straight into shared memory and shared. */
  load: loadModelFile,
  /** Forgets a shared model: workers drop their copies and the memory can be freed once the notebook drops it too. */
  release(model: object): void {
    const id = modelIdOf(model);
    if (id) modelRegistry.release(id);
  },
});
