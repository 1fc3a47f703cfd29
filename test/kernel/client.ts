/**
 * A raw Jupyter client for protocol tests: starts the real kernel process from bin/threadlab.js with a
 * connection file and speaks the wire protocol through zeromq and the kernel's own wire module.
 */
import { ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import * as zmq from "zeromq";
import { ConnectionInfo, Message } from "../../kernel/protocol/messages";
import { decode, encode, makeMessage, Signer } from "../../kernel/protocol/wire";

export const repoRoot = resolve(__dirname, "..", "..", "..");

/** A free TCP port on loopback (bound to port 0, then released). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export class RawClient {
  readonly session = "test-session";
  readonly signer: Signer;
  /** Shell and stdin share one routing id, as jupyter_client's do: the kernel routes input_request by it. */
  private readonly routingId = `test-${randomBytes(6).toString("hex")}`;
  // linger 0: a request queued to a kernel that died (a native crash) would otherwise keep the test process
  // alive for ever after its tests end ("Waiting for queued ZeroMQ messages to be delivered"); CI would hang.
  readonly shell = new zmq.Dealer({ routingId: this.routingId, linger: 0 });
  readonly stdin = new zmq.Dealer({ routingId: this.routingId, linger: 0 });
  /** input_request messages received on stdin. */
  readonly inputRequests: Message[] = [];
  readonly control = new zmq.Dealer({ linger: 0 });
  readonly iopub = new zmq.Subscriber({ linger: 0 });
  readonly hb = new zmq.Request({ linger: 0 });
  proc!: ChildProcess;
  stderr = "";
  readonly iopubMessages: Message[] = [];
  /** IOPub messages that failed to decode (a test asserts there are none). */
  readonly badIopub: string[] = [];
  private readonly replies = new Map<string, (m: Message) => void>();
  private iopubWaiters: Array<() => void> = [];
  exited: Promise<number | null> = Promise.resolve(null);
  /** performance.now() when the process was spawned and when it first answered kernel_info. */
  startedAt = 0;
  readyAt = 0;

  private constructor(
    readonly info: ConnectionInfo,
    readonly dir: string,
  ) {
    this.signer = new Signer(info.key, info.signature_scheme);
  }

  /**
   * Starts a kernel and waits for its kernel_info_reply. `argv` builds the command from the connection
   * file's path (default: this repository's threadlab kernel); benchmarks use it to start tslab's.
   */
  static async start(
    opts: {
      cwd?: string;
      env?: Record<string, string>;
      argv?: (connectionFile: string) => string[];
      readyTimeoutMs?: number;
    } = {},
  ): Promise<RawClient> {
    const dir = mkdtempSync(join(tmpdir(), "threadlab-test-"));
    const ports = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
    const info: ConnectionInfo = {
      transport: "tcp",
      ip: "127.0.0.1",
      shell_port: ports[0],
      iopub_port: ports[1],
      stdin_port: ports[2],
      control_port: ports[3],
      hb_port: ports[4],
      key: randomBytes(16).toString("hex"),
      signature_scheme: "hmac-sha256",
    };
    const file = join(dir, "connection.json");
    writeFileSync(file, JSON.stringify(info));
    const c = new RawClient(info, dir);
    const argv = opts.argv?.(file) ?? [
      process.execPath,
      join(repoRoot, "bin", "threadlab.js"),
      "kernel",
      "--connection-file",
      file,
    ];
    c.startedAt = performance.now();
    c.proc = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd ?? dir,
      // Each test kernel keeps its history in its own directory unless the test shares a file on purpose.
      env: { ...process.env, THREADLAB_HISTORY_FILE: join(dir, "history.sqlite"), ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    c.proc.stderr!.on("data", (d) => (c.stderr += d));
    c.proc.stdout!.on("data", (d) => (c.stderr += d));
    c.exited = new Promise((res) => c.proc.once("exit", (code) => res(code)));
    const url = (p: number) => `tcp://127.0.0.1:${p}`;
    c.shell.connect(url(info.shell_port));
    c.control.connect(url(info.control_port));
    c.stdin.connect(url(info.stdin_port));
    void c.readStdin();
    c.iopub.connect(url(info.iopub_port));
    c.iopub.subscribe();
    c.hb.connect(url(info.hb_port));
    void c.readReplies(c.shell);
    void c.readReplies(c.control);
    void c.readIopub();
    // Wait until the kernel answers (kernel_info) before handing the client out.
    await c.request("shell", "kernel_info_request", {}, opts.readyTimeoutMs ?? 20000);
    c.readyAt = performance.now();
    // ...and until IOPub is connected: a SUB socket's subscription reaches the kernel some time after it
    // connects, and whatever the kernel publishes before that is lost (ZeroMQ's slow joiner). A test that
    // opens a comm right after start saw its comm_msg vanish that way. Our kernel greets each subscription
    // (iopub_welcome); tslab's does not, so like jupyter_server's "nudge", kernel_info is asked again until
    // any IOPub message arrives.
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 20000);
    while (c.iopubMessages.length === 0 && Date.now() < deadline) {
      await c.request("shell", "kernel_info_request", {}, 5000).catch(() => undefined);
      if (c.iopubMessages.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    if (c.iopubMessages.length === 0)
      throw new Error(`IOPub never delivered a message; kernel log:\n${c.stderr.slice(-2000)}`);
    return c;
  }

  private async readReplies(sock: zmq.Dealer): Promise<void> {
    try {
      for await (const frames of sock) {
        let m: Message;
        try {
          m = decode(frames, this.signer);
        } catch (e) {
          this.badIopub.push(`reply: ${e}`);
          continue;
        }
        const id = m.parent_header.msg_id;
        if (id && this.replies.has(id)) {
          this.replies.get(id)!(m);
          this.replies.delete(id);
        }
      }
    } catch {
      /* socket closed */
    }
  }

  private async readStdin(): Promise<void> {
    try {
      for await (const frames of this.stdin) {
        try {
          this.inputRequests.push(decode(frames, this.signer));
        } catch (e) {
          this.badIopub.push(`stdin: ${e}`);
        }
      }
    } catch {
      /* socket closed */
    }
  }

  /** Waits for the next input_request (after `seen` of them). */
  async nextInputRequest(seen: number, timeoutMs = 10000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    while (this.inputRequests.length <= seen) {
      if (Date.now() > deadline)
        throw new Error(`no input_request within ${timeoutMs} ms; kernel log:\n${this.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.inputRequests[seen];
  }

  /** Answers an input_request on stdin. */
  async reply(request: Message, value: string): Promise<void> {
    const m = makeMessage(this.session, {
      msg_type: "input_reply",
      content: { value },
      parent: { ...request, identities: [] },
    });
    await this.stdin.send(encode(m, this.signer));
  }

  private async readIopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        try {
          this.iopubMessages.push(decode(frames, this.signer));
        } catch (e) {
          this.badIopub.push(
            `${e}: ${frames
              .map((f) => f.toString())
              .join(" | ")
              .slice(0, 500)}`,
          );
          continue;
        }
        const w = this.iopubWaiters;
        this.iopubWaiters = [];
        w.forEach((f) => f());
      }
    } catch {
      /* socket closed */
    }
  }

  message(type: string, content: unknown, metadata: Record<string, unknown> = {}): Message {
    const m = makeMessage(this.session, { msg_type: type, content });
    m.metadata = metadata;
    return m;
  }

  /** Sends raw frames (for malformed-message tests). */
  async sendFrames(channel: "shell" | "control", frames: Buffer[]): Promise<void> {
    await (channel === "shell" ? this.shell : this.control).send(frames);
  }

  async send(channel: "shell" | "control", msg: Message, signer: Signer = this.signer): Promise<void> {
    await this.sendFrames(channel, encode(msg, signer));
  }

  /** Sends a request and resolves with its reply. */
  async request(channel: "shell" | "control", type: string, content: unknown, timeoutMs = 10000): Promise<Message> {
    const msg = this.message(type, content);
    const reply = this.replyTo(msg.header.msg_id, timeoutMs);
    await this.send(channel, msg);
    return reply;
  }

  replyTo(msgId: string, timeoutMs = 10000): Promise<Message> {
    return new Promise((res, rej) => {
      const t = setTimeout(() => {
        this.replies.delete(msgId);
        rej(new Error(`no reply to ${msgId} within ${timeoutMs} ms; kernel log:\n${this.stderr}`));
      }, timeoutMs);
      this.replies.set(msgId, (m) => {
        clearTimeout(t);
        res(m);
      });
    });
  }

  /** IOPub messages caused by a request, once its idle status has arrived. */
  async outputsOf(msgId: string, timeoutMs = 10000): Promise<Message[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mine = this.iopubMessages.filter((m) => m.parent_header.msg_id === msgId);
      if (mine.some((m) => m.header.msg_type === "status" && m.content.execution_state === "idle")) return mine;
      if (Date.now() > deadline)
        throw new Error(
          `no idle for ${msgId}; got ${mine.map((m) => m.header.msg_type)}; undecodable: ${this.badIopub.join("\n")}`,
        );
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.iopubWaiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /**
   * Sends an execute_request (Jupyter's defaults, then `extra`) without waiting for it: for tests that act
   * while the cell runs (interrupt, stdin, a second request). `reply` is listened for before the send.
   */
  async submit(
    code: string,
    extra: Record<string, unknown> = {},
    timeoutMs = 15000,
    /** Header fields beside the usual ones (`subshell_id`, JEP 91). */
    header: Record<string, unknown> = {},
  ): Promise<{ msgId: string; reply: Promise<Message> }> {
    const msg = this.message("execute_request", {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
      ...extra,
    });
    Object.assign(msg.header, header);
    const reply = this.replyTo(msg.header.msg_id, timeoutMs);
    await this.send("shell", msg);
    return { msgId: msg.header.msg_id, reply };
  }

  async execute(
    code: string,
    extra: Record<string, unknown> = {},
    timeoutMs = 15000,
  ): Promise<{ reply: Message; outputs: Message[] }> {
    const { msgId, reply } = await this.submit(code, extra, timeoutMs);
    return { reply: await reply, outputs: await this.outputsOf(msgId, timeoutMs) };
  }

  async close(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      try {
        await this.request("control", "shutdown_request", { restart: false }, 3000);
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => this.proc.kill("SIGKILL"), 3000);
      await this.exited;
      clearTimeout(timer);
    }
    for (const s of [this.shell, this.control, this.iopub, this.hb, this.stdin]) s.close();
  }
}

export function streamText(outputs: Message[], name = "stdout"): string {
  return outputs
    .filter((m) => m.header.msg_type === "stream" && m.content.name === name)
    .map((m) => m.content.text)
    .join("");
}

export function resultText(outputs: Message[]): string | undefined {
  const r = outputs.find((m) => m.header.msg_type === "execute_result");
  return r ? (r.content.data as Record<string, string>)["text/plain"] : undefined;
}
