/**
 * The startup snapshot this process was deserialized from. Apart from runtime.ts (the process entry after
 * deserialization) so that the kernel can read it without importing the entry, which imports the CLI.
 */
export interface SnapshotState {
  key: string;
  root: string;
  modules: Array<{ file: string; exports: unknown }>;
  stats(): { files: number; hits: number };
}

let active: SnapshotState | undefined;

export function setActiveSnapshot(state: SnapshotState): void {
  active = state;
}

/** The startup snapshot this process was deserialized from, if any (for the kernel's log and tests). */
export function snapshotInfo(): { key: string; files: number; hits: number } | undefined {
  return active && { key: active.key, ...active.stats() };
}
