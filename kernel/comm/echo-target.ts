import { CommManager } from "./manager";

/**
 * `threadlab.echo`: a diagnostic comm target, used by the tests and handy for checking that comms reach
 * the kernel at all. It echoes every message back; `{ throw: "text" }` makes its handler throw, to show
 * that a failing handler leaves the comm usable. `{ close: target }` closes the kernel's comms of another
 * target, and `{ sendTo: target, data }` sends `data` on them: how tests make the kernel side of a comm
 * act without reaching into the kernel.
 */
export function registerEchoTarget(comms: CommManager): void {
  comms.registerTarget("threadlab.echo", (comm, open) => {
    comm.send({ opened: open.data });
    comm.onMsg((m) => {
      const data = m.data as { throw?: unknown; close?: unknown; sendTo?: unknown; data?: unknown } | undefined;
      if (data && typeof data === "object" && "throw" in data) throw new Error(String(data.throw));
      const others = (target: unknown) => Object.keys(comms.info(String(target))).map((id) => comms.get(id)!);
      if (data && typeof data === "object" && "close" in data) for (const c of others(data.close)) c.close();
      else if (data && typeof data === "object" && "sendTo" in data)
        for (const c of others(data.sendTo)) c.send(data.data);
      comm.send({ echo: m.data }, { buffers: m.buffers });
    });
    comm.onClose(() => undefined);
  });
}
