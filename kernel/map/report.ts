/** What a finished map hands back, whichever backend ran it. */

export interface ItemFailureReport {
  index: number;
  error: Error;
  /** The cluster node that ran the item (cluster backend only). */
  node?: string;
}

export interface MapReport {
  mapId: number;
  name: string;
  /** In item order unless `unordered`; with errors "collect", failed items hold their Error. */
  results: unknown[];
  failures: ItemFailureReport[];
  items: number;
  wallMs: number;
  workers: number;
  chunkSize: number;
}

/** What a running map counts, whichever backend runs it (MapJob, ClusterMap): its report is computed from this. */
export interface MapTally {
  readonly id: number;
  readonly opts: { readonly name: string };
  readonly results: unknown[];
  readonly failures: readonly ItemFailureReport[];
  readonly done: number;
  readonly startedAt: number;
}

/** The report of a map that completed: failures in item order, as a sorted copy (the tally is left as is). */
export function completedReport(m: MapTally, workers: number, chunkSize: number): MapReport {
  return {
    mapId: m.id,
    name: m.opts.name,
    results: m.results,
    failures: m.failures.length ? [...m.failures].sort((a, b) => a.index - b.index) : [],
    items: m.done,
    wallMs: performance.now() - m.startedAt,
    workers,
    chunkSize,
  };
}
