import type { KernelDoor } from "../door";
import type { MapBackend } from "../map";
import type { ShippedFunction } from "../ship/types";
import { submitToNotebookPool } from "./notebook-pool";

/** The notebook's worker pool as a map backend (its size policy, a map's `workers` included: notebook-pool.ts). */
export function localBackend(door: KernelDoor | undefined): MapBackend<ShippedFunction> {
  return { kind: "local", submit: submitToNotebookPool(door) };
}
