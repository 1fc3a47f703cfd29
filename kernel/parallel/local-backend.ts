import type { KernelDoor } from "../door";
import type { MapBackend, MapItems } from "../map";
import type { ShippedFunction } from "../ship/types";
import { notebookPool } from "./notebook-pool";

/** The notebook's worker pool as a map backend. */
export function localBackend(door: KernelDoor | undefined): MapBackend<ShippedFunction> {
  return {
    kind: "local",
    submit: (s) => notebookPool(door).submitResolved(s.items as MapItems, s.fn, s.options, s.onOutput),
  };
}
