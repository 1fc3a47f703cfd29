import type { CellOutcome, ErrorInfo } from "../execution/executor";

/** Carries a cell's structured error through a magic, so the user sees the original ename/traceback. */
export class CellError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.evalue);
    this.name = info.ename;
  }
}

export function errorFromOutcome(outcome: Extract<CellOutcome, { status: "error" }>): CellError {
  return new CellError(outcome.error);
}
