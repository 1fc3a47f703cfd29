/**
 * The kernel side of the JupyterLab sidebar: the `threadlab` comm target. A panel opens a comm, receives
 * `hello`, subscribes, and then gets updates at its rate while it is visible; its controls send requests
 * that are validated field by field (schema/sidebar/) and answered with `ack` or `error`. Nothing that
 * arrives over the comm is ever evaluated: values only select pools by name and set numbers.
 *
 * @module
 */
import { COMM_TARGET, PROTOCOL_VERSION, RATE, type Hello } from "../../schema/sidebar";
import type { CommManager } from "../comm/manager";
import { threadlabVersion } from "../kernel-info";
import { SidebarControls } from "./controls";
import { SidebarSession } from "./session";
import { UpdateBuilder } from "./update";
import { defaultSources, type SidebarSources } from "./sources";

export type { SidebarPool, SidebarSources, ThreadpoolSource, PoolStatusLike } from "./sources";
export { UpdateBuilder } from "./update";

/**
 * Registers the `threadlab` comm target. The sidebar reads the notebook's pool (kernel/parallel/notebook-pool.ts)
 * and, unless `sources.threadpool` stands in for it, the real thread-pool module.
 */
export function registerSidebarTarget(
  comms: Pick<CommManager, "registerTarget">,
  sources: Partial<Pick<SidebarSources, "threadpool">> = {},
): void {
  // Created on the first open: a kernel nobody opens a panel on never loads the thread-pool code for it.
  let shared: { sources: SidebarSources; controls: SidebarControls; builder: UpdateBuilder } | undefined;
  comms.registerTarget(COMM_TARGET, (comm) => {
    if (!shared) {
      const s = defaultSources(sources);
      const controls = new SidebarControls(s);
      shared = { sources: s, controls, builder: new UpdateBuilder(s, () => controls.settings()) };
    }
    const { builder, controls } = shared;
    const session = new SidebarSession(comm, builder, controls);
    comm.onMsg((m) => session.receive(m.data));
    comm.onClose(() => session.close());
    comm.send(hello(shared.sources));
  });
}

export function hello(sources: SidebarSources): Hello {
  return {
    v: PROTOCOL_VERSION,
    type: "hello",
    versions: {
      protocol: PROTOCOL_VERSION,
      threadlab: threadlabVersion(),
      node: process.version,
      v8: process.versions.v8,
    },
    capabilities: {
      setWorkers: true,
      setLimit: true,
      reset: true,
      timeline: "chunks",
      maxRateHz: RATE.maxHz,
      defaultRateHz: RATE.defaultHz,
      maxWorkers: sources.maxWorkers,
    },
    pid: process.pid,
  };
}
