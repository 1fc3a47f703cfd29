/**
 * Kernel → panel messages for tests that run without a kernel: a `hello` and an `update` of an idle 2-CPU
 * machine, valid as they are (protocol.test.ts checks), for a test to override only what it is about.
 */
import { PROTOCOL_VERSION as V, type Hello, type Update } from "../../schema/sidebar";

export function sampleHello(capabilities: Partial<Hello["capabilities"]> = {}): Hello {
  return {
    v: V,
    type: "hello",
    versions: { protocol: V, threadlab: "0.1.0", node: "v20", v8: "11" },
    capabilities: {
      setWorkers: true,
      setLimit: true,
      reset: true,
      timeline: "chunks",
      maxRateHz: 10,
      defaultRateHz: 4,
      maxWorkers: 64,
      ...capabilities,
    },
    pid: 1,
  };
}

export function sampleUpdate(fields: Partial<Update> = {}): Update {
  return {
    v: V,
    type: "update",
    seq: 1,
    t: 1000,
    cpus: { n: 2, src: "logical", logical: 2, affinity: 2, cgroup: null, max: null, physical: null },
    config: {
      workers: { n: 2, src: "default", d: "" },
      threads: { n: 1, src: "default", d: "" },
      backend: { n: 1, src: "default", d: "" },
    },
    threadpools: [],
    over: { threads: 2, cpus: 2, backend: { n: 1, src: "default", d: "" }, warn: null },
    pool: null,
    c: [],
    rss: 1,
    sidebar: { workers: null, limits: {} },
    ...fields,
  };
}
