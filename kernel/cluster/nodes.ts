/**
 * The kernel's view of the cluster's agents, from their heartbeats: who is there, with how many workers, which
 * models they hold and how busy they are. `%parallel cluster status` and the sidebar read `list()`; maps read
 * `liveWorkers()` to size their batches and to notice a cluster with no agents.
 */
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import { subjects } from "./subjects";
import { decode, HEARTBEAT_MS, type AgentStatus } from "./wire";

/** Heartbeats missed before an agent counts as gone. */
const MISSED_BEATS = 3;
/**
 * Items/s is measured over at least this long: counters move in chunks (or, from an agent that does not send
 * `workerItems`, whole batches), so a shorter window would swing between 0 and a chunk's worth.
 */
const RATE_WINDOW_MS = 2000;

/**
 * A node as the kernel shows it: the agent's own status (wire.ts, the one definition of those fields) and what
 * the kernel measures from its heartbeats.
 */
export interface NodeStatus extends Pick<
  AgentStatus,
  "id" | "name" | "host" | "pid" | "workers" | "cpus" | "busy" | "itemsDone" | "models" | "modelFetches" | "rssBytes"
> {
  /** Items finished per second over the last ~2 s of heartbeats. */
  itemsPerSec: number;
  /** Busy % of each worker since the agent's previous status; empty when the agent does not report it. */
  util: number[];
  /** Milliseconds since its last heartbeat. */
  lastSeenMs: number;
}

export class NodeRegistry {
  private readonly nodes = new Map<
    string,
    { status: AgentStatus; seenAt: number; rate: number; samples: { at: number; items: number }[] }
  >();
  private readonly sub: Subscription;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly heartbeatMs = HEARTBEAT_MS,
  ) {
    this.sub = nc.subscribe(subjects.heartbeat, {
      callback: (err, m) => {
        if (err) return;
        try {
          this.record(decode<AgentStatus>(m.data, "heartbeat"));
        } catch {
          // An agent of another version: it cannot take our batches anyway.
        }
      },
    });
  }

  private record(s: AgentStatus): void {
    const now = Date.now();
    const prev = this.nodes.get(s.id);
    const items = s.workerItems ?? s.itemsDone;
    // Samples back to the newest one at least a window old: the rate follows every heartbeat, over ≥ 2 s.
    let samples = prev?.samples ?? [];
    if (samples.length && items < samples[samples.length - 1].items) samples = []; // a worker was replaced: its count restarted
    samples.push({ at: now, items });
    while (samples.length > 2 && (now - samples[1].at >= RATE_WINDOW_MS || samples.length > 64)) samples.shift();
    const oldest = samples[0];
    const rate =
      now - oldest.at >= RATE_WINDOW_MS / 2 ? (items - oldest.items) / ((now - oldest.at) / 1000) : (prev?.rate ?? 0);
    this.nodes.set(s.id, { status: s, seenAt: now, rate, samples });
    for (const l of this.listeners) l();
  }

  private prune(): void {
    const cutoff = Date.now() - MISSED_BEATS * this.heartbeatMs;
    for (const [id, n] of this.nodes) if (n.seenAt < cutoff) this.nodes.delete(id);
  }

  /** Agents heard from recently, newest figures. */
  list(): NodeStatus[] {
    this.prune();
    const now = Date.now();
    return [...this.nodes.values()]
      .map(({ status: s, seenAt, rate }) => ({
        id: s.id,
        name: s.name,
        host: s.host,
        pid: s.pid,
        workers: s.workers,
        cpus: s.cpus,
        busy: s.busy,
        itemsDone: s.itemsDone,
        itemsPerSec: rate,
        util: Array.isArray(s.util) ? s.util : [],
        models: s.models,
        modelFetches: s.modelFetches,
        rssBytes: s.rssBytes,
        lastSeenMs: now - seenAt,
      }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  /** Asks every agent for its status now (instead of waiting for heartbeats); resolves after `waitMs`. */
  async refresh(waitMs = 300): Promise<NodeStatus[]> {
    try {
      const replies = await this.nc.requestMany(subjects.status, new Uint8Array(0), { maxWait: waitMs });
      for await (const m of replies) {
        try {
          this.record(decode<AgentStatus>(m.data, "status"));
        } catch {
          // as above
        }
      }
    } catch {
      // No responders: no agents.
    }
    return this.list();
  }

  /** Workers of the live agents; `perNode`: a map's `workers` option, which caps what it gets of each agent. */
  liveWorkers(perNode = Infinity): number {
    this.prune();
    let n = 0;
    for (const { status } of this.nodes.values()) n += Math.min(status.workers, perNode);
    return n;
  }

  /** Called whenever a heartbeat arrives. */
  onChange(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  close(): void {
    this.sub.unsubscribe();
  }
}
