/**
 * The cluster part of updates without a cluster: when the kernel sends it (only when it changed for that
 * panel, null once it is gone, again in full after a re-subscribe), how the panel completes it, and what the
 * Cluster section shows for it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { summarizeCluster } from "../../extension/src/components/cluster-summary";
import { UpdateStore } from "../../extension/src/update-store";
import { defaultSources, type ClusterStatusLike } from "../../kernel/sidebar/sources";
import { UNKNOWN_CLUSTER, UpdateBuilder, type ChunkCursor } from "../../kernel/sidebar/update";
import type { ClusterState, UpdateMessage } from "../../schema/sidebar";

const node = (
  name: string,
  over: Partial<ClusterStatusLike["nodes"][number]> = {},
): ClusterStatusLike["nodes"][number] => ({
  name,
  host: "h1",
  workers: 2,
  cpus: 4,
  busy: 0,
  itemsDone: 0,
  itemsPerSec: 0,
  util: [0, 0],
  models: [],
  rssBytes: 50 * 2 ** 20,
  ...over,
});

/** A builder over the real thread-pool sources, whose cluster is whatever `status` holds; its clock is `clock.t`. */
function builderWith(status: { current: ClusterStatusLike | null }) {
  const clock = { t: 1_000_000 };
  const b = new UpdateBuilder(
    { ...defaultSources(), cluster: () => status.current },
    () => ({ workers: null, limits: {} }),
    () => clock.t,
  );
  let seq = 0;
  const send = (cursor: ChunkCursor): UpdateMessage => {
    clock.t += 100;
    return b.build(++seq, cursor);
  };
  return { b, send };
}

test("the cluster part is sent when it changes for a panel, left out while unchanged, null once gone", () => {
  const status: { current: ClusterStatusLike | null } = { current: null };
  const { b, send } = builderWith(status);
  const cursor: ChunkCursor = { seq: 0 };
  const store = new UpdateStore();
  try {
    const none = send(cursor);
    assert.equal("cluster" in none, false, "never connected: absent");
    assert.equal(store.receive(none)!.cluster, undefined);
    status.current = { url: "nats://u:***@h:4222", connected: true, maps: 0, nodes: [node("a"), node("b")] };
    const first = send(cursor);
    store.receive(first);
    assert.deepEqual(
      first.cluster?.nodes.map((n) => n.name),
      ["a", "b"],
    );
    const same = send(cursor);
    assert.equal("cluster" in same, false, "unchanged: left out");
    assert.equal(store.receive(same)!.cluster?.nodes.length, 2, "the panel keeps what it holds");
    status.current = {
      ...status.current,
      nodes: [node("a", { util: [97, 40], busy: 1, itemsDone: 500, itemsPerSec: 123.456 }), node("b")],
    };
    const changed = send(cursor);
    assert.deepEqual(changed.cluster?.nodes[0], {
      name: "a",
      host: "h1",
      workers: 2,
      cpus: 4,
      batches: 1,
      util: [97, 40],
      items: 500,
      rate: 123.5,
      models: [],
      rss: 50 * 2 ** 20,
    });
    store.receive(changed);
    status.current = null;
    const gone = send(cursor);
    assert.equal(gone.cluster, null);
    assert.equal(store.receive(gone)!.cluster, undefined, "the panel's state has no cluster");
    assert.equal("cluster" in send(cursor), false, "then nothing");
  } finally {
    b.dispose();
  }
});

test("a panel that subscribes again is told its cluster state either way", () => {
  const status: { current: ClusterStatusLike | null } = {
    current: { url: "nats://h:1", connected: true, maps: 0, nodes: [node("a")] },
  };
  const { b, send } = builderWith(status);
  const cursor: ChunkCursor = { seq: 0 };
  try {
    send(cursor);
    cursor.cluster = UNKNOWN_CLUSTER; // as kernel/sidebar/session.ts does on subscribe
    assert.equal(send(cursor).cluster?.nodes.length, 1);
    status.current = null;
    cursor.cluster = UNKNOWN_CLUSTER;
    assert.equal(send(cursor).cluster, null);
  } finally {
    b.dispose();
  }
});

test("a cluster source that throws leaves the update without a cluster part, the rest intact", () => {
  const b = new UpdateBuilder(
    {
      ...defaultSources(),
      cluster: () => {
        throw new Error("closing");
      },
    },
    () => ({ workers: null, limits: {} }),
  );
  try {
    const u = b.build(1, { seq: 0 });
    assert.equal("cluster" in u, false);
    assert.ok(u.cpus && u.rss > 0);
  } finally {
    b.dispose();
  }
});

const state = (over: Partial<ClusterState> = {}): ClusterState => ({
  url: "nats://u:***@10.0.0.1:4222",
  connected: true,
  maps: 1,
  nodes: [
    {
      name: "gpu-1",
      host: "gpu-1",
      workers: 4,
      cpus: 8,
      batches: 2,
      util: [100, 50, 0, 30],
      items: 12_345,
      rate: 250,
      models: [{ name: "emb", bytes: 12 * 2 ** 20 }],
      rss: 300 * 2 ** 20,
    },
    {
      name: "old-agent",
      host: "box",
      workers: 2,
      cpus: 2,
      batches: 0,
      util: [],
      items: 0,
      rate: 0,
      models: [],
      rss: 2 ** 20,
    },
  ],
  ...over,
});

test("the Cluster section: a headline, and per node its size, mean utilization, throughput and models", () => {
  const s = summarizeCluster(state());
  assert.equal(s.headline, "2 nodes · 6 workers · 1 map running");
  const [a, b] = s.nodes;
  assert.equal(a.host, null, "a host equal to the name is not repeated");
  assert.equal(a.size, "4 workers · 8 CPUs");
  assert.equal(a.meanUtil, 45);
  assert.equal(a.busy, true);
  assert.equal(a.throughput, "250/s · 12k items");
  assert.equal(a.models, "emb (12 MiB)");
  assert.equal(b.host, "box");
  assert.equal(b.meanUtil, null, "an agent that does not report utilization shows none, not 0 %");
  assert.equal(b.busy, false);
  assert.equal(b.models, "no models");
  assert.notEqual(a.key, summarizeCluster(state({ nodes: [state().nodes[0], state().nodes[0]] })).nodes[1].key);
});

test("the Cluster section with no agents says how to start one", () => {
  assert.equal(
    summarizeCluster(state({ nodes: [], maps: 0 })).headline,
    "no agents: start one per machine with threadlab agent --cluster URL",
  );
});
