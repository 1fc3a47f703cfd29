/**
 * Comms for user code, shaped like ipykernel's (`comm.create_comm`, `comm_manager.register_target`), enough
 * for a widget protocol to sit on:
 *
 *   comm.registerTarget("my.target", (c, open) => { c.onMsg((m) => c.send({ echo: m.data })); });
 *   const c = comm.open("jupyter.widget", { state, buffer_paths: [] }, { metadata: { version: "2.1.0" } });
 *   c.send({ method: "update", state: { value: 3 }, buffer_paths: [] });
 *   c.onMsg((m) => …); c.onClose((m) => …); c.close();
 *
 * A comm opened from a cell belongs to that cell's request (its messages are parented to it); a handler
 * that throws is reported in the cell's stderr and the kernel log, and the comm stays usable.
 */
import type { Comm, CommMessage } from "../comm/manager";
import type { KernelDoor } from "../door";
import type { Message } from "../protocol/messages";

/** A message on a comm: its `data`, binary `buffers`, and the message's `metadata`. */
export interface UserCommMessage {
  data: unknown;
  buffers: Buffer[];
  metadata: Record<string, unknown>;
}

/** One end of a comm, in the kernel. */
export interface UserComm {
  readonly id: string;
  readonly targetName: string;
  readonly closed: boolean;
  send(data: unknown, opts?: { buffers?: Buffer[]; metadata?: Record<string, unknown> }): void;
  /** The handler's value is ignored; a promise is awaited before the next message is handled. */
  onMsg(handler: (msg: UserCommMessage) => unknown): void;
  close(data?: unknown): void;
  onClose(handler: (msg: UserCommMessage) => unknown): void;
}

function wrap(c: Comm): UserComm {
  const toUser = (m: CommMessage): UserCommMessage => ({
    data: m.data,
    buffers: m.buffers,
    metadata: (m.parent?.metadata as Record<string, unknown>) ?? {},
  });
  return {
    id: c.id,
    targetName: c.targetName,
    get closed() {
      return c.closed;
    },
    send: (data, opts = {}) => c.send(data, opts),
    onMsg: (handler) => c.onMsg(async (m) => void (await handler(toUser(m)))),
    close: (data) => c.close(data),
    onClose: (handler) => c.onClose((m) => void handler(toUser(m))),
  };
}

/** Targets the kernel itself serves; a cell must not replace them. */
const RESERVED = new Set(["threadlab", "threadlab.echo"]);

export interface CommApi {
  /** Serves comms the frontend opens to `target`; `open` is the comm_open's data, buffers and metadata. */
  registerTarget(target: string, handler: (c: UserComm, open: UserCommMessage) => unknown): void;
  /** Stops serving `target` (comms already open stay open). */
  unregisterTarget(target: string): void;
  /** Opens a comm to a frontend target (e.g. "jupyter.widget"); `metadata` goes on the comm_open message. */
  open(target: string, data?: unknown, opts?: { buffers?: Buffer[]; metadata?: Record<string, unknown> }): UserComm;
}

/** The comm API wired to a kernel's door; without one (a plain library), every call throws. */
export function createComm(door?: KernelDoor): CommApi {
  const kernel = (what: string) => {
    if (!door)
      throw new Error(
        `${what} needs the threadlab kernel; it is not available when threadlab is imported outside a notebook`,
      );
    return door;
  };
  return {
    registerTarget(target, handler) {
      if (typeof target !== "string" || !target)
        throw new TypeError(
          'comm.registerTarget needs a target name, e.g. comm.registerTarget("my.target", (c, open) => …)',
        );
      if (RESERVED.has(target))
        throw new Error(`comm target ${JSON.stringify(target)} is the kernel's own; choose another name`);
      if (typeof handler !== "function")
        throw new TypeError("comm.registerTarget needs a function (comm, openMessage) => … as its second argument");
      kernel("comm.registerTarget").comms.registerTarget(
        target,
        async (c, open) =>
          void (await handler(wrap(c), {
            data: open.data,
            buffers: open.buffers,
            metadata: (open.parent?.metadata as Record<string, unknown>) ?? {},
          })),
      );
    },
    unregisterTarget(target) {
      if (RESERVED.has(target)) throw new Error(`comm target ${JSON.stringify(target)} is the kernel's own`);
      kernel("comm.unregisterTarget").comms.unregisterTarget(target);
    },
    open(target, data = {}, opts = {}) {
      if (typeof target !== "string" || !target)
        throw new TypeError('comm.open needs a target name, e.g. comm.open("jupyter.widget", data)');
      const d = kernel("comm.open");
      return wrap(d.comms.open(target, data, d.currentParent() as Message | null, opts));
    },
  };
}

/** The plain library's comm API (no kernel): every call says it needs the kernel. */
export const comm: CommApi = createComm();
