import { randomUUID } from "node:crypto";
import type { Message } from "../protocol/messages";

/** `metadata`: the message's (not the content's); widget protocols put their version there. */
export type CommPublish = (
  msgType: "comm_open" | "comm_msg" | "comm_close",
  content: Record<string, unknown>,
  parent: Message | null,
  buffers?: Buffer[],
  metadata?: Record<string, unknown>,
) => void;

export interface CommMessage {
  data: unknown;
  buffers: Buffer[];
  /** The request this message came with (null for kernel-initiated traffic). */
  parent: Message | null;
}

/** One end of a Jupyter comm, on the kernel side. */
export class Comm {
  private msgHandlers: Array<(m: CommMessage) => void | Promise<void>> = [];
  private closeHandlers: Array<(m: CommMessage) => void> = [];
  closed = false;
  /** The request that last reached this comm; kernel replies are parented to it so frontends route them. */
  lastParent: Message | null = null;

  constructor(
    readonly id: string,
    readonly targetName: string,
    private readonly publish: CommPublish,
    private readonly onClosed: (c: Comm) => void,
  ) {}

  send(
    data: unknown,
    opts: { buffers?: Buffer[]; parent?: Message | null; metadata?: Record<string, unknown> } = {},
  ): void {
    if (this.closed) throw new Error(`comm ${this.id} (${this.targetName}) is closed`);
    this.publish("comm_msg", { comm_id: this.id, data }, opts.parent ?? this.lastParent, opts.buffers, opts.metadata);
  }

  close(data: unknown = {}): void {
    if (this.closed) return;
    this.publish("comm_close", { comm_id: this.id, data }, this.lastParent);
    this.markClosed({ data, buffers: [], parent: null });
  }

  onMsg(handler: (m: CommMessage) => void | Promise<void>): void {
    this.msgHandlers.push(handler);
  }

  onClose(handler: (m: CommMessage) => void): void {
    this.closeHandlers.push(handler);
  }

  /** @internal */
  async deliver(m: CommMessage): Promise<void> {
    this.lastParent = m.parent;
    for (const h of this.msgHandlers) await h(m);
  }

  /** @internal */
  markClosed(m: CommMessage): void {
    if (this.closed && this.closeHandlers.length === 0) return;
    this.closed = true;
    const handlers = this.closeHandlers;
    this.closeHandlers = [];
    this.onClosed(this);
    for (const h of handlers) h(m);
  }
}

/** Called when a frontend opens a comm to this target. Throwing refuses the comm (it is closed again). */
export type CommTarget = (comm: Comm, open: CommMessage) => void | Promise<void>;

/**
 * Comms by id and targets by name. A handler that throws is reported (to the kernel log and as stderr of
 * the request) and the comm stays open and usable: one bad message must not cut the sidebar off.
 */
export class CommManager {
  private readonly targets = new Map<string, CommTarget>();
  private readonly comms = new Map<string, Comm>();

  constructor(
    private readonly publish: CommPublish,
    private readonly report: (text: string, parent: Message | null) => void,
  ) {}

  registerTarget(name: string, target: CommTarget): void {
    this.targets.set(name, target);
  }

  unregisterTarget(name: string): void {
    this.targets.delete(name);
  }

  /** Opens a comm from the kernel side. */
  open(
    targetName: string,
    data: unknown = {},
    parent: Message | null = null,
    opts: { buffers?: Buffer[]; metadata?: Record<string, unknown> } = {},
  ): Comm {
    const comm = this.create(randomUUID(), targetName);
    comm.lastParent = parent;
    this.publish("comm_open", { comm_id: comm.id, target_name: targetName, data }, parent, opts.buffers, opts.metadata);
    return comm;
  }

  info(targetName?: string): Record<string, { target_name: string }> {
    const out: Record<string, { target_name: string }> = {};
    for (const c of this.comms.values()) {
      if (!targetName || c.targetName === targetName) out[c.id] = { target_name: c.targetName };
    }
    return out;
  }

  get(id: string): Comm | undefined {
    return this.comms.get(id);
  }

  async handleOpen(msg: Message): Promise<void> {
    const { comm_id, target_name, data } = msg.content as { comm_id?: unknown; target_name?: unknown; data?: unknown };
    if (typeof comm_id !== "string" || typeof target_name !== "string") {
      this.report(`comm_open needs string comm_id and target_name`, msg);
      return;
    }
    const target = this.targets.get(target_name);
    if (!target) {
      // The protocol's answer to an unknown target: close it again so the frontend is not left waiting.
      this.report(`no comm target named ${JSON.stringify(target_name)}`, msg);
      this.publish("comm_close", { comm_id, data: { error: `no comm target named ${target_name}` } }, msg);
      return;
    }
    const comm = this.create(comm_id, target_name);
    comm.lastParent = msg;
    try {
      await target(comm, { data, buffers: msg.buffers, parent: msg });
    } catch (e) {
      this.report(`comm target ${target_name} failed to open: ${(e as Error)?.stack ?? e}`, msg);
      comm.close({ error: String((e as Error)?.message ?? e) });
    }
  }

  async handleMsg(msg: Message): Promise<void> {
    const { comm_id, data } = msg.content as { comm_id?: unknown; data?: unknown };
    const comm = typeof comm_id === "string" ? this.comms.get(comm_id) : undefined;
    if (!comm) {
      this.report(`comm_msg for unknown comm ${JSON.stringify(comm_id)}`, msg);
      return;
    }
    try {
      await comm.deliver({ data, buffers: msg.buffers, parent: msg });
    } catch (e) {
      this.report(`comm ${comm.targetName} message handler failed: ${(e as Error)?.stack ?? e}`, msg);
    }
  }

  handleClose(msg: Message): void {
    const { comm_id, data } = msg.content as { comm_id?: unknown; data?: unknown };
    const comm = typeof comm_id === "string" ? this.comms.get(comm_id) : undefined;
    if (!comm) return;
    try {
      comm.markClosed({ data, buffers: msg.buffers, parent: msg });
    } catch (e) {
      this.report(`comm ${comm.targetName} close handler failed: ${(e as Error)?.stack ?? e}`, msg);
    }
  }

  /** Closes every comm, e.g. at shutdown. */
  closeAll(): void {
    for (const c of [...this.comms.values()]) c.close();
  }

  private create(id: string, targetName: string): Comm {
    const comm = new Comm(id, targetName, this.publish, (c) => this.comms.delete(c.id));
    this.comms.set(id, comm);
    return comm;
  }
}
