/**
 * Which of an agent's batches may start now. Two rules:
 * - a **suspect** batch (delivered before and never answered, or a half split off one) runs alone on this agent,
 *   and the agent pulls nothing while one waits or runs: if it takes the process down, no other batch dies with
 *   it and gets blamed by its own redelivery count;
 * - a map with a `workers` limit runs at most that many of its batches here at once.
 */
export interface GateTicket {
  readonly map: string;
  readonly alone: boolean;
  readonly counted: boolean;
}

export class BatchGate {
  private executing = 0;
  private alone = false;
  private aloneWaiting = 0;
  private readonly perMap = new Map<string, number>();
  private readonly waiters = new Set<() => void>();

  constructor(private readonly onChange: () => void) {}

  /** True while a suspect waits for or holds the agent: pull no more batches. */
  get closed(): boolean {
    return this.alone || this.aloneWaiting > 0;
  }

  /** Waits until the batch may start; null when `signal` aborted first. */
  async enter(map: string, o: { alone: boolean; mapLimit?: number }, signal: AbortSignal): Promise<GateTicket | null> {
    let waitingAlone = false;
    try {
      for (;;) {
        if (signal.aborted) return null;
        if (this.mayStart(map, o)) {
          this.executing++;
          if (o.alone) this.alone = true;
          const counted = o.mapLimit !== undefined;
          if (counted) this.perMap.set(map, (this.perMap.get(map) ?? 0) + 1);
          return { map, alone: o.alone, counted };
        }
        if (o.alone && !waitingAlone) {
          waitingAlone = true;
          this.aloneWaiting++;
        }
        await new Promise<void>((wake) => {
          const done = () => {
            this.waiters.delete(done);
            signal.removeEventListener("abort", done);
            wake();
          };
          this.waiters.add(done);
          signal.addEventListener("abort", done, { once: true });
        });
      }
    } finally {
      if (waitingAlone) this.aloneWaiting--;
    }
  }

  leave(t: GateTicket): void {
    this.executing--;
    if (t.alone) this.alone = false;
    if (t.counted) {
      const n = (this.perMap.get(t.map) ?? 1) - 1;
      if (n > 0) this.perMap.set(t.map, n);
      else this.perMap.delete(t.map);
    }
    // Every waiter looks again: simpler than a queue per rule, and an agent holds a few batches at most.
    for (const w of [...this.waiters]) w();
    this.onChange();
  }

  private mayStart(map: string, o: { alone: boolean; mapLimit?: number }): boolean {
    if (this.alone) return false;
    if (o.alone) return this.executing === 0;
    if (this.aloneWaiting > 0) return false;
    return o.mapLimit === undefined || (this.perMap.get(map) ?? 0) < o.mapLimit;
  }
}
