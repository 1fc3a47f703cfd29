import { CellError } from "../execution/cell-error";
import type { CellOutcome } from "../execution/executor";

// CellError lives in execution/ (subprocess/ throws it too); re-exported for the shell's imports of it here.
export { CellError };

export function errorFromOutcome(outcome: Extract<CellOutcome, { status: "error" }>): CellError {
  return new CellError(outcome.error);
}
