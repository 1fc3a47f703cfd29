import { join } from "node:path";
import { Worker } from "node:worker_threads";
import * as zmq from "zeromq";
import type { MainThreadUsage } from "../process/usage";
import type { ControlPlaneData, FromControlPlane, ToControlPlane } from "./control-plane-worker";
import { InterruptSlot } from "./interrupt-slot";
import { Channel, ConnectionInfo, Message } from "./messages";
import { SendQueue } from "./send-queue";
import { connectionUrl, decode, encode, makeMessage, MessageSpec, Signer, WireError } from "./wire";

export type RequestHandler = (channel: "shell" | "control" | "stdin", msg: Message) => void;
export type SubscribeHandler = (topic: string) => void;

/** `THREADLAB_DEBUG=protocol` (or `all`) logs every message in and out, like `ipykernel --debug`. */
const traceWire = /\b(protocol|all)\b/.test(process.env.THREADLAB_DEBUG ?? "");

/**
 * The kernel's five channels. Shell, IOPub and stdin are served on the main thread; control and heartbeat in
 * a worker thread (see control-plane-worker.ts). Incoming messages are verified before anyone sees them;
 * rejected ones are logged and dropped.
 */
export class KernelSockets {
  readonly signer: Signer;
  /** The shell each interrupt_request names, written by the control thread before its SIGINT. */
  readonly interruptSlot = new InterruptSlot();
  private readonly shell = new zmq.Router();
  private readonly iopub = new zmq.XPublisher();
  private readonly stdin = new zmq.Router();
  private readonly queues: Record<"shell" | "iopub" | "stdin", SendQueue>;
  private controlPlane?: Worker;
  private closed = false;
  private acks = new Map<number, () => void>();
  private nextAck = 0;

  constructor(
    private readonly info: ConnectionInfo,
    readonly session: string,
    private readonly log: (text: string) => void,
    /** The kernel's parent: the control plane ends the process if it exits and the main thread cannot. */
    private readonly parentPid = process.ppid,
  ) {
    this.signer = new Signer(info.key, info.signature_scheme);
    const err = (name: string) => (e: unknown) => this.closed || log(`${name} send failed: ${e}`);
    this.queues = {
      shell: new SendQueue(this.shell, err("shell")),
      iopub: new SendQueue(this.iopub, err("iopub")),
      stdin: new SendQueue(this.stdin, err("stdin")),
    };
  }

  /**
   * `mainUsage` gives the main thread's part of a usage_reply, which the control thread answers (its figures
   * are [] and 0 without it).
   */
  async start(
    handler: RequestHandler,
    onSubscribe?: SubscribeHandler,
    mainUsage?: () => MainThreadUsage,
  ): Promise<void> {
    const { info } = this;
    // Every subscriber, not only the first on a topic: a client that (re)connects while an earlier one
    // (jupyter_server's activity monitor, say) stays subscribed must still be greeted (JEP 65) and told
    // the kernel's state.
    this.iopub.verbosity = "allSubs";
    await Promise.all([
      this.shell.bind(connectionUrl(info, info.shell_port)),
      this.iopub.bind(connectionUrl(info, info.iopub_port)),
      this.stdin.bind(connectionUrl(info, info.stdin_port)),
    ]);
    // Serve shell while the control thread boots (~0.1 s): the first kernel_info need not wait for it.
    const plane = this.startControlPlane(handler, mainUsage);
    void this.serve(this.shell, "shell", handler);
    void this.serve(this.stdin, "stdin", handler);
    void this.welcomeSubscribers(onSubscribe);
    this.controlPlane = await plane;
  }

  private startControlPlane(handler: RequestHandler, mainUsage?: () => MainThreadUsage): Promise<Worker> {
    const worker = new Worker(join(__dirname, "control-plane-worker.js"), {
      workerData: {
        info: this.info,
        session: this.session,
        shutdownGraceMs: 1500,
        parentPid: this.parentPid,
        interruptSlot: this.interruptSlot.buffer,
      } satisfies ControlPlaneData,
      // The control plane must not keep the process alive on its own, nor count as a user thread.
      stdout: false,
      stderr: false,
    });
    worker.unref();
    return new Promise((resolve, reject) => {
      worker.once("error", reject);
      worker.on("message", (m: FromControlPlane) => {
        switch (m.type) {
          case "ready":
            resolve(worker);
            break;
          case "log":
            this.log(m.text);
            break;
          case "sent":
            this.acks.get(m.ack)?.();
            this.acks.delete(m.ack);
            break;
          case "usage": {
            let figures: MainThreadUsage = { workers: [], heap_used: 0 };
            try {
              figures = mainUsage?.() ?? figures;
            } catch (e) {
              // Thrown in this listener it would end the kernel; the reply goes without the pool's figures.
              this.log(`usage figures failed: ${(e as Error)?.stack ?? e}`);
            }
            worker.postMessage({ type: "usage", id: m.id, figures } satisfies ToControlPlane);
            break;
          }
          case "request": {
            const frames = m.frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength));
            try {
              const msg = decode(frames, this.signer);
              if (traceWire) this.trace("<", "control", msg);
              handler("control", msg);
            } catch (e) {
              this.log(`control: ${e}`);
            }
          }
        }
      });
    });
  }

  private async serve(socket: zmq.Router, channel: "shell" | "stdin", handler: RequestHandler): Promise<void> {
    try {
      for await (const frames of socket) {
        let msg: Message;
        try {
          msg = decode(frames, this.signer);
        } catch (e) {
          this.log(`${channel}: rejected message: ${e instanceof WireError ? e.message : e}`);
          continue;
        }
        if (traceWire) this.trace("<", channel, msg);
        try {
          handler(channel, msg);
        } catch (e) {
          this.log(`${channel}: handler failed for ${msg.header.msg_type}: ${(e as Error)?.stack ?? e}`);
        }
      }
    } catch (e) {
      if (!this.closed) this.log(`${channel} socket failed: ${e}`);
    }
  }

  /** JEP 65: an XPUB socket sees each subscription, and greets it so clients know IOPub is connected. */
  private async welcomeSubscribers(onSubscribe?: SubscribeHandler): Promise<void> {
    try {
      for await (const [frame] of this.iopub) {
        if (frame.length > 0 && frame[0] === 1) {
          const topic = frame.subarray(1).toString("utf8");
          if (traceWire) this.log(`< iopub subscribe "${topic}"`);
          this.publish({ msg_type: "iopub_welcome", content: { subscription: topic } });
          onSubscribe?.(topic);
        }
      }
    } catch (e) {
      if (!this.closed) this.log(`iopub subscription reader failed: ${e}`);
    }
  }

  private trace(dir: "<" | ">", channel: string, msg: Message): void {
    const state = (msg.content as { execution_state?: string }).execution_state;
    this.log(
      `${dir} ${channel} ${msg.header.msg_type}${state ? ` ${state}` : ""} ${msg.header.msg_id.slice(0, 8)} parent ${msg.parent_header?.msg_id?.slice(0, 8) ?? "-"}`,
    );
  }

  make(spec: MessageSpec): Message {
    return makeMessage(this.session, spec);
  }

  /** Sends a reply (or any message) on shell, stdin or control. */
  send(channel: Exclude<Channel, "iopub">, msg: Message): Promise<void> {
    if (traceWire) this.trace(">", channel, msg);
    const frames = encode(msg, this.signer);
    if (channel === "control") {
      const plane = this.controlPlane;
      if (!plane) return Promise.resolve();
      const ack = this.nextAck++;
      return new Promise((resolve) => {
        this.acks.set(ack, resolve);
        plane.postMessage({ type: "send", frames, ack } satisfies ToControlPlane);
      });
    }
    return this.queues[channel].send(frames);
  }

  publish(spec: Omit<MessageSpec, "identities">): Promise<void> {
    const msg = this.make({ ...spec, identities: [Buffer.from(`kernel.${this.session}.${spec.msg_type}`)] });
    if (traceWire) this.trace(">", "iopub", msg);
    return this.queues.iopub.send(encode(msg, this.signer));
  }

  async flush(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.drain()));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    for (const s of [this.shell, this.iopub, this.stdin]) s.close();
    const plane = this.controlPlane;
    if (!plane) return;
    // Let the control thread close its sockets and end by itself before the process exits: zeromq aborts
    // the whole process ("terminate called after throwing an instance of 'Napi::Error'", or heap corruption)
    // when a thread with live sockets is torn down by process.exit (zeromq/zeromq.js#411).
    const exited = new Promise<void>((resolve) => plane.once("exit", () => resolve()));
    plane.postMessage({ type: "close" } satisfies ToControlPlane);
    const t0 = Date.now();
    const how = await Promise.race([
      exited.then(() => "exited"),
      new Promise((r) => setTimeout(() => r("timed out"), 1000).unref()),
    ]);
    if (traceWire) this.log(`control thread ${how} after ${Date.now() - t0} ms`);
  }
}
