/**
 * A cluster on this machine: a real `nats-server` (JetStream on, store in a temporary directory, a generated
 * user and password, a random port on 127.0.0.1) and N real `threadlab agent` processes. Tutorials, tests and
 * benchmarks use it; `threadlab cluster local` (npm run cluster:local) starts one for a user.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BIN_PATH } from "../package-root";
import { CLUSTER_ENV } from "./env";
import { PARENT_PID_ENV } from "../process/parent-watch";

export interface LocalClusterOptions {
  agents?: number;
  /** Workers per agent. */
  workers?: number;
  /** The agents' `--name`s, in order (default agent-1, agent-2, …); equal names are allowed, as with real agents. */
  names?: string[];
  /** Extra arguments for every agent (e.g. ["--ack-wait", "3000"]). */
  agentArgs?: string[];
  /** Environment of the agents. */
  env?: NodeJS.ProcessEnv;
  /** Agent stderr lines, e.g. for a test's log. Default: discarded. */
  onAgentLog?: (name: string, line: string) => void;
  /** Where the server's store and config go; default a new temporary directory, removed by stop(). */
  dir?: string;
}

export interface LocalAgent {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves when the agent exits, with its exit code (or signal name). */
  readonly exited: Promise<number | string>;
  /** Resolves when the agent is connected and pulling work; rejects if it exits first. */
  readonly ready: Promise<void>;
}

const TETHER = path.join(__dirname, "..", "process", "tether.js");

/** The nats-server binary: NATS_SERVER, then PATH, then Debian's /usr/sbin (not on a user's PATH). */
export function natsServerBinary(): string {
  const candidates = [
    process.env.NATS_SERVER,
    "nats-server",
    "/usr/sbin/nats-server",
    "/usr/local/bin/nats-server",
  ].filter(Boolean) as string[];
  for (const c of candidates) {
    const r = spawnSync(c, ["--version"], { encoding: "utf8" });
    if (r.status === 0) return c;
  }
  throw new Error(
    "nats-server is not installed: apt-get install nats-server (Debian/Ubuntu), or download it from https://nats.io, or set NATS_SERVER to its path",
  );
}

export class LocalCluster {
  readonly agents: LocalAgent[] = [];
  /** The tether running nats-server (kernel/process/tether.ts), and nats-server's own pid once it logged it. */
  private server!: ChildProcess;
  private serverPid: number | undefined;
  private serverExited!: Promise<unknown>;
  private port = -1;
  private agentSeq = 0;
  private readonly ownDir: boolean;
  readonly dir: string;
  readonly user = "threadlab";
  readonly password = randomBytes(12).toString("hex");

  private constructor(private readonly o: LocalClusterOptions) {
    this.ownDir = !o.dir;
    this.dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "threadlab-cluster-"));
  }

  static async start(o: LocalClusterOptions = {}): Promise<LocalCluster> {
    const c = new LocalCluster(o);
    try {
      await c.startServer();
      for (let i = 0; i < (o.agents ?? 2); i++) c.addAgent(o.names?.[i]);
      await Promise.all(c.agents.map((a) => a.ready));
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  /** With credentials, as agents and kernels use it. */
  get url(): string {
    return `nats://${this.user}:${this.password}@127.0.0.1:${this.port}`;
  }

  /** Without credentials: for tests of the errors. */
  get address(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again, on the same port and store, after `stopServer`). */
  async startServer(): Promise<void> {
    const conf = path.join(this.dir, "nats.conf");
    fs.writeFileSync(
      conf,
      [
        `listen: "127.0.0.1:${this.port}"`,
        `jetstream { store_dir: ${JSON.stringify(path.join(this.dir, "store"))} }`,
        `authorization { users = [ { user: ${JSON.stringify(this.user)}, password: ${JSON.stringify(this.password)} } ] }`,
        "",
      ].join("\n"),
    );
    // Through the tether: nats-server ends (and a store of ours is removed) when this process dies, even by
    // kill -9, which leaves no chance to stop it from here.
    const tether = [TETHER, ...(this.ownDir ? ["--remove", this.dir] : []), "--", natsServerBinary(), "-c", conf];
    const server = spawn(process.execPath, tether, { stdio: ["ignore", "ignore", "pipe"] });
    this.server = server;
    this.serverPid = undefined;
    this.serverExited = new Promise((r) => server.once("exit", r));
    const port = await new Promise<number>((resolve, reject) => {
      let log = "";
      const timer = setTimeout(() => reject(new Error(`nats-server did not start within 10 s:\n${log}`)), 10_000);
      server.stderr!.setEncoding("utf8");
      server.stderr!.on("data", (s: string) => {
        log += s;
        const m = /Listening for client connections on [\d.]+:(\d+)/.exec(log);
        // nats-server prefixes its log lines with its pid: signals go to it, not to the tether.
        this.serverPid ??= Number(/^\[(\d+)\]/m.exec(log)?.[1]) || undefined;
        if (m && /Server is ready/.test(log)) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      server.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with code ${code}:\n${log}`));
      });
    });
    this.port = port;
  }

  async stopServer(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.server.exitCode !== null || this.server.signalCode !== null) return;
    // SIGKILL of the tether alone would orphan the server; the tether exits when the server does.
    if (this.serverPid) process.kill(this.serverPid, signal);
    else this.server.kill(signal);
    await this.serverExited;
  }

  /** Starts one more agent process. */
  addAgent(name = `agent-${++this.agentSeq}`, extraArgs: string[] = []): LocalAgent {
    // The URL (with the password) in the environment, not the command line, which every local user can read
    // (`ps -eo args`); PARENT_PID_ENV: the agent exits when this process does, however it dies.
    const args = [
      BIN_PATH,
      "agent",
      "--name",
      name,
      "--workers",
      String(this.o.workers ?? 1),
      ...(this.o.agentArgs ?? []),
      ...extraArgs,
    ];
    const child = spawn(process.execPath, args, {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ...this.o.env, [CLUSTER_ENV]: this.url, [PARENT_PID_ENV]: String(process.pid) },
    });
    child.stderr!.setEncoding("utf8");
    let buf = "";
    let log = "";
    let markReady!: () => void;
    const ready = new Promise<void>((r) => (markReady = r));
    child.stderr!.on("data", (s: string) => {
      buf += s;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (log.length < 10_000) log += line + "\n";
        if (/\] connected to /.test(line)) markReady();
        this.o.onAgentLog?.(name, line);
      }
    });
    const exited = new Promise<number | string>((r) => child.once("exit", (code, sig) => r(code ?? sig ?? -1)));
    const a: LocalAgent = {
      name,
      process: child,
      exited,
      ready: Promise.race([
        ready,
        exited.then((c) => Promise.reject(new Error(`agent ${name} exited (${c}) before connecting:\n${log}`))),
      ]),
    };
    a.ready.catch(() => {});
    this.agents.push(a);
    return a;
  }

  /** Stops every agent (SIGTERM, then SIGKILL after 5 s) and the server; removes the temporary store. */
  async stop(): Promise<void> {
    await Promise.all(
      this.agents.map(async (a) => {
        if (a.process.exitCode !== null || a.process.signalCode !== null) return;
        a.process.kill("SIGTERM");
        const t = setTimeout(() => a.process.kill("SIGKILL"), 5000);
        await a.exited;
        clearTimeout(t);
      }),
    );
    if (this.server) await this.stopServer();
    if (this.ownDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
