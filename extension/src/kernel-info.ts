/**
 * Which kernel implementation a connection talks to, even when JupyterLab's own answer never comes.
 *
 * @module
 */
import type { KernelLike } from "./jupyterlab";

/**
 * The kernel's implementation name: JupyterLab's own `info`, or — when that stays pending, as it does after
 * a restart request that failed on the client side (KernelConnection.restart() then never reconnects;
 * docs/sidebar.md) — our own kernel_info requests, every `infoPatienceMs`, up to `infoAttempts`. Stops asking
 * once `current()` is false (the connection moved on).
 */
export function kernelImplementation(
  kernel: KernelLike,
  current: () => boolean,
  waits: { infoPatienceMs: number; infoAttempts: number },
): Promise<{ implementation: string }> {
  const { infoPatienceMs, infoAttempts } = waits;
  return new Promise((resolve, reject) => {
    let settled = false;
    let asked = 0;
    const settle =
      <T>(f: (v: T) => void) =>
      (v: T) => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        f(v);
      };
    const timer: ReturnType<typeof setInterval> = setInterval(() => {
      if (settled || !current() || !kernel.requestKernelInfo) return clearInterval(timer);
      if (++asked > infoAttempts) return settle(reject)(new Error(`no reply to ${infoAttempts} kernel_info requests`));
      Promise.resolve(kernel.requestKernelInfo()).then(
        (reply) => {
          if (reply?.content.implementation !== undefined)
            settle(resolve)({ implementation: reply.content.implementation });
        },
        () => undefined,
      );
    }, infoPatienceMs);
    Promise.resolve(kernel.info).then(settle(resolve), settle(reject));
  });
}
