/**
 * `usage_request`, answered on the control thread as ipykernel answers it on its control thread: JupyterLab's
 * Kernel Usage panel (jupyter-resource-usage) asks through its server extension, which gives up after 10 s
 * and then shows "Timed out" over stale figures, while a cell in a synchronous loop holds the main thread for
 * as long as the loop runs. The figures are read here (process/usage.ts); only the pool's workers and the main
 * heap are asked of the main thread, which has MAIN_WAIT_MS to answer before the reply goes without them.
 */
import { type MainThreadUsage, UsageMeter } from "../process/usage";

/** Long enough for an idle or awaiting main thread (a message round trip is well under 1 ms). */
export const MAIN_WAIT_MS = 500;

export class ControlUsage {
  private readonly meter = new UsageMeter();
  private readonly waiting = new Map<number, (figures: MainThreadUsage) => void>();
  private nextId = 0;

  /** `ask(id)` asks the main thread for its figures; its answer comes back through `answered(id, …)`. */
  constructor(private readonly ask: (id: number) => void) {}

  answered(id: number, figures: MainThreadUsage): void {
    this.waiting.get(id)?.(figures);
  }

  /** The usage_reply's content. */
  async reply(): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const main = await new Promise<MainThreadUsage | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), MAIN_WAIT_MS);
      this.waiting.set(id, (figures) => {
        clearTimeout(timer);
        resolve(figures);
      });
      this.ask(id);
    });
    // A late answer finds nothing to settle.
    this.waiting.delete(id);
    return this.meter.reply(main);
  }
}
