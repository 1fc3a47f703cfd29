import { registerEchoTarget } from "../comm/echo-target";
import type { CommManager, CommTarget } from "../comm/manager";

/** The comm targets the kernel itself serves: the sidebar's `threadlab` and the diagnostic `threadlab.echo`. */
export function registerKernelCommTargets(comms: CommManager): void {
  registerEchoTarget(comms);
  registerLazySidebarTarget(comms);
}

/**
 * The sidebar's `threadlab` comm target, loaded on the first open: its message validation (zod) costs
 * ~150 ms to load, which a kernel nobody opens the sidebar on should not pay before answering kernel_info.
 */
function registerLazySidebarTarget(comms: CommManager): void {
  let target: CommTarget | undefined;
  comms.registerTarget("threadlab", (comm, open) => {
    if (!target) {
      const { registerSidebarTarget } = require("../sidebar") as typeof import("../sidebar");
      registerSidebarTarget({ registerTarget: (_name: string, t: CommTarget) => (target = t) });
    }
    return target!(comm, open);
  });
}
