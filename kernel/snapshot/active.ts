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
let onReady: (() => void) | undefined;

export function setActiveSnapshot(state: SnapshotState, ready: () => void): void {
  active = state;
  onReady = ready;
}

/**
 * The kernel calls this once it is up (sockets bound, TypeScript warmed). Until then a kernel started from a
 * snapshot that dies is started again without it (launch.ts); a no-op in a kernel started without one.
 */
export function snapshotKernelReady(): void {
  const ready = onReady;
  onReady = undefined;
  ready?.();
}

/** The startup snapshot this process was deserialized from, if any (for the kernel's log and tests). */
export function snapshotInfo(): { key: string; files: number; hits: number } | undefined {
  return active && { key: active.key, ...active.stats() };
}
