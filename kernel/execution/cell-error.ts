import type { ErrorInfo } from "./executor";

/**
 * Carries a cell's structured error through the code that ran it (a magic, a shell command), so the user
 * sees the original ename/traceback. Here beside `ErrorInfo` rather than with the magics: the child-process
 * runner (subprocess/) throws it too, and a low-level runner importing the magic layer closed a folder cycle.
 */
export class CellError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.evalue);
    this.name = info.ename;
  }
}
