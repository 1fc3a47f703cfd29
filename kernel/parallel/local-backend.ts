import type { KernelDoor } from "../door";
import type { MapItems } from "../pool";
import type { MapBackend } from "../pool/map-backend";
import { notebookPool } from "./notebook-pool";

/** The notebook's worker pool as a map backend. */
export function localBackend(door: KernelDoor | undefined): MapBackend {
  return {
    kind: "local",
    submit: (s) => notebookPool(door).submitResolved(s.items as MapItems, s.fn, s.options, s.onOutput),
  };
}
