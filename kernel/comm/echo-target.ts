import { CommManager } from "./manager";

/**
 * `threadlab.echo`: a diagnostic comm target, used by the tests and handy for checking that comms reach
 * the kernel at all. It echoes every message back; `{ throw: "text" }` makes its handler throw, to show
 * that a failing handler leaves the comm usable.
 */
export function registerEchoTarget(comms: CommManager): void {
  comms.registerTarget("threadlab.echo", (comm, open) => {
    comm.send({ opened: open.data });
    comm.onMsg((m) => {
      const data = m.data as { throw?: unknown } | undefined;
      if (data && typeof data === "object" && "throw" in data) throw new Error(String(data.throw));
      comm.send({ echo: m.data }, { buffers: m.buffers });
    });
    comm.onClose(() => undefined);
  });
}
