/**
 * Cluster benchmark 3: a large model (MB=1024 by default) — time until both agents hold it, from the start of
 * the first map that uses it (already uploaded), vs a bare Object Store get of the same bytes into a
 * SharedArrayBuffer (one client; and two clients at once, as the two agents fetch). Goal ≤ 1.3× the bare get;
 * RSS per agent ≤ one model + 10 MB per worker (over its RSS before the model).
 */
import { Objm } from "@nats-io/obj";
import { connectCluster, parseClusterUrl } from "../../kernel/cluster/connection";
import { ModelPublisher } from "../../kernel/cluster/model-store";
import { MODEL_BUCKET } from "../../kernel/cluster/subjects";
import { share } from "../../kernel/share";
import { fn, fmt, loadAverage, report, startCluster, runBench } from "./common";

const MB = Number(process.env.MB ?? 1024);

function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
}

async function main() {
  const c = await startCluster(2, 1);
  try {
    const data = new Float32Array((MB * 2 ** 20) / 4);
    for (let i = 0; i < data.length; i += 1024) data[i] = i;
    const model = share({ data }, { name: `${MB} MB` });
    const nc = await connectCluster(parseClusterUrl(c.cluster.url), "bench");
    let t = performance.now();
    const digest = await (await ModelPublisher.open(nc)).publish(model);
    console.log(`load average ${loadAverage()}; upload of ${MB} MB: ${fmt(performance.now() - t)} ms`);
    // Each agent has a connection of its own: so does each bare get (two gets on one connection queue behind each other).
    const nc2 = await connectCluster(parseClusterUrl(c.cluster.url), "bench-2");
    const stores = [await new Objm(nc).open(MODEL_BUCKET), await new Objm(nc2).open(MODEL_BUCKET)];
    const bareGet = async (os = stores[0]) => {
      const info = (await os.info(digest))!;
      const r = (await os.get(digest))!;
      const bytes = new Uint8Array(new SharedArrayBuffer(info.size));
      let at = 0;
      for await (const chunk of r.data) {
        bytes.set(chunk, at);
        at += chunk.length;
      }
      return at;
    };
    t = performance.now();
    await bareGet();
    const one = performance.now() - t;
    t = performance.now();
    await Promise.all([bareGet(stores[0]), bareGet(stores[1])]);
    const two = performance.now() - t;
    await nc.close();
    await nc2.close();
    global.gc?.();
    // The agents' work processes (status pid), not their supervisors: they hold the model.
    const pids = (await c.backend.status()).nodes.map((n) => n.pid);
    const rssBefore = pids.map(rssOf);
    t = performance.now();
    // Many one-item batches, so both agents take some and each needs the model.
    const run = c.backend.run(
      Array.from({ length: 400 }, (_, i) => i),
      fn("(i, m) => { const t = Date.now(); while (Date.now() - t < 5) {} return m.data[i * 1024]; }"),
      { model, chunk: 1 },
    );
    let both = 0;
    while (!both) {
      const nodes = (await c.backend.status(false)).nodes;
      if (nodes.length === 2 && nodes.every((n) => n.models.some((m) => m.digest === digest)))
        both = performance.now() - t;
      else await new Promise((r) => setTimeout(r, 20));
    }
    await run;
    const grown = pids.map((pid, i) => (rssOf(pid) - rssBefore[i]) / 2 ** 20);
    report(`time until both agents hold a ${MB} MB model`, "bare get, 2 clients at once", two, both, "ms", {
      ratio: 1.3,
      lowerIsBetter: true,
    });
    console.log(`  bare get, one client: ${fmt(one)} ms (ours / that: ${(both / one).toFixed(2)}×)`);
    console.log(
      `  agent RSS growth: ${grown.map((g) => `${fmt(g)} MB`).join(", ")} for a ${MB} MB model, 1 worker each (goal ≤ ${MB + 10} MB: ${grown.every((g) => g <= MB + 10) ? "met" : "NOT met"})`,
    );
  } finally {
    await c.stop();
  }
}

runBench(main);
