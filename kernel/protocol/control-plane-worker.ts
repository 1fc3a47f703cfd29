/**
 * The control channel and heartbeat live in their own thread so that they answer while the main thread is
 * stuck in a synchronous cell: heartbeats keep flowing, and `interrupt_request` raises SIGINT on the process,
 * which breaks a busy loop run with `breakOnSigint` (the main thread cannot read a socket while it loops), and
 * `usage_request` is answered here (control-usage.ts). Every other control message is handed to the main
 * thread, which replies through `send`.
 */
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { END_GRACE_MS, watchParent } from "../process/parent-watch";
import type { MainThreadUsage } from "../process/usage";
import { ControlUsage } from "./control-usage";
import { InterruptSlot } from "./interrupt-slot";
import { ConnectionInfo } from "./messages";
import { SendQueue } from "./send-queue";
import { connectionUrl, decode, encode, makeMessage, Signer, WireError } from "./wire";

export type ToControlPlane =
  | { type: "send"; frames: Uint8Array[]; ack: number }
  | { type: "usage"; id: number; figures: MainThreadUsage }
  | { type: "close" };
export type FromControlPlane =
  | { type: "ready" }
  | { type: "request"; frames: Uint8Array[] }
  | { type: "usage"; id: number }
  | { type: "sent"; ack: number }
  | { type: "log"; text: string };

export interface ControlPlaneData {
  info: ConnectionInfo;
  session: string;
  shutdownGraceMs: number;
  /** The kernel process's parent (see process/parent-watch.ts). */
  parentPid: number;
  interruptSlot: SharedArrayBuffer;
}

async function main(): Promise<void> {
  const { info, session, shutdownGraceMs, parentPid, interruptSlot } = workerData as ControlPlaneData;
  const slot = new InterruptSlot(interruptSlot);
  const port = parentPort!;
  const signer = new Signer(info.key, info.signature_scheme);
  const control = new zmq.Router();
  const hb = new zmq.Reply();
  const log = (text: string) => port.postMessage({ type: "log", text } satisfies FromControlPlane);
  const out = new SendQueue(control, (e) => log(`control send failed: ${e}`));
  const usage = new ControlUsage((id) => port.postMessage({ type: "usage", id } satisfies FromControlPlane));
  await control.bind(connectionUrl(info, info.control_port));
  await hb.bind(connectionUrl(info, info.hb_port));
  let shutdownTimer: NodeJS.Timeout | undefined;
  // The main thread shuts the kernel down when its parent exits (shell/kernel.ts), unless it is stuck in a
  // synchronous cell and never sees its timer fire; this thread always can, and ends the process then, as
  // ipykernel's poller thread does. A clean shutdown closes this thread first, which stops the watch.
  watchParent(
    () => {
      shutdownTimer = setTimeout(() => process.kill(process.pid, "SIGKILL"), END_GRACE_MS);
    },
    { parentPid },
  );

  port.on("message", (m: ToControlPlane) => {
    if (m.type === "send") {
      const frames = m.frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength));
      void out.send(frames).then(() => port.postMessage({ type: "sent", ack: m.ack } satisfies FromControlPlane));
    } else if (m.type === "usage") {
      usage.answered(m.id, m.figures);
    } else if (m.type === "close") {
      clearTimeout(shutdownTimer);
      control.close();
      hb.close();
      port.close();
    }
  });

  void (async () => {
    for await (const [ping] of hb) await hb.send(ping);
  })().catch(() => undefined);

  port.postMessage({ type: "ready" } satisfies FromControlPlane);

  for await (const frames of control) {
    let msg;
    try {
      msg = decode(frames, signer);
    } catch (e) {
      log(`control: rejected message: ${e instanceof WireError ? e.message : e}`);
      continue;
    }
    if (msg.header.msg_type === "interrupt_request") {
      // SIGINT, not a message: only a signal reaches a main thread that is busy in synchronous code. The
      // shell it names (JEP 91: the header's subshell_id) goes beside it (interrupt-slot.ts).
      const target = (msg.header as { subshell_id?: unknown }).subshell_id;
      slot.write(typeof target === "string" ? target : null);
      process.kill(process.pid, "SIGINT");
      await out.send(
        encode(makeMessage(session, { msg_type: "interrupt_reply", content: { status: "ok" }, parent: msg }), signer),
      );
      continue;
    }
    if (msg.header.msg_type === "usage_request") {
      // Not awaited: an interrupt_request behind it must not wait for the main thread's figures.
      const parent = msg;
      void usage
        .reply()
        .then((content) => out.send(encode(makeMessage(session, { msg_type: "usage_reply", content, parent }), signer)))
        .catch((e) => log(`usage_request failed: ${e?.stack ?? e}`));
      continue;
    }
    if (msg.header.msg_type === "shutdown_request") {
      // If the main thread is wedged it cannot reply or exit: answer for it and end the process.
      const restart = Boolean((msg.content as { restart?: unknown }).restart);
      const reply = encode(
        makeMessage(session, { msg_type: "shutdown_reply", content: { status: "ok", restart }, parent: msg }),
        signer,
      );
      shutdownTimer = setTimeout(() => {
        void out.send(reply).finally(() => process.kill(process.pid, "SIGKILL"));
      }, shutdownGraceMs);
    }
    port.postMessage({ type: "request", frames } satisfies FromControlPlane);
  }
}

main().catch((e) => {
  parentPort?.postMessage({ type: "log", text: `control plane failed: ${e?.stack ?? e}` } satisfies FromControlPlane);
  process.exitCode = 1;
});
