import { join } from "node:path";
import { Command } from "commander";
import { threadlabVersion } from "../kernel-info";
import { install, uninstall } from "./install";

export function main(argv: string[]): void {
  const program = new Command("threadlab")
    .description("threadlab: a TypeScript Jupyter kernel for parallel work")
    .version(threadlabVersion(), "-V, --version");

  const scope = (cmd: Command) =>
    cmd
      .option("--user", "the per-user Jupyter data directory (default)")
      .option("--sys-prefix", "the Python environment of --python (e.g. a virtualenv)")
      .option("--prefix <dir>", "<dir>/share/jupyter")
      .option("--name <name>", "kernel name", "threadlab")
      .option("--python <python>", "the Python whose Jupyter paths to use", "python3");

  scope(program.command("install").description("install the kernelspec (and the JupyterLab extension, when built)"))
    .option("--display-name <text>", "name shown in the launcher")
    .option("--no-snapshot", "do not build the startup snapshot now (a kernel builds it in the background)")
    .action((opts) => {
      const r = install(opts);
      if (r.copiedTo)
        console.log(
          `npx runs threadlab from npm's cache, which npm may clear: copied it to ${r.copiedTo} for the kernelspec (\`npm install -g threadlab\` avoids the copy)`,
        );
      console.log(`installed kernelspec ${opts.name} in ${r.kernelDir}`);
      if (r.labextension) console.log(`installed JupyterLab extension in ${r.labextension}`);
      if (opts.snapshot) {
        // Here rather than at the first kernel's start: a kernel's first result waits ~2 s less with it.
        // A snapshot is keyed by the package root: build it from the copy the kernelspec runs, if there is one.
        const launch = r.copiedTo ? join(r.copiedTo, "dist", "kernel", "snapshot", "launch") : "../snapshot/launch";
        const { buildSnapshot, snapshotDisabled } = require(launch) as typeof import("../snapshot/launch");
        if (!snapshotDisabled()) {
          const t0 = Date.now();
          const s = buildSnapshot();
          console.log(
            s.ok
              ? `built the kernel's startup snapshot in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${s.blob}`
              : `startup snapshot not built (kernels start without it): ${s.message}`,
          );
        }
      }
    });

  scope(program.command("uninstall").description("remove the kernelspec and the JupyterLab extension")).action(
    (opts) => {
      const removed = uninstall(opts);
      console.log(removed.length ? removed.map((d) => `removed ${d}`).join("\n") : "nothing to remove");
    },
  );

  program
    .command("doctor")
    .description("explain the resolved parallel configuration, CPUs and thread pools, with warnings")
    .option("--json", "machine-readable output")
    .action(async (opts) => {
      const threadpool = await import("../threadpool");
      const report = threadpool.doctor();
      const { checkKernelspecs, formatKernelspecs } = await import("./kernelspec-check");
      const kernelspecs = checkKernelspecs();
      const { checkNode, formatNodeCheck } = await import("./node-lines");
      const node = checkNode();
      const { snapshotStatus } = await import("../snapshot/launch");
      const snapshot = snapshotStatus();
      console.log(
        opts.json
          ? JSON.stringify({ ...report, kernelspecs, node, snapshot }, null, 2)
          : [
              formatNodeCheck(node),
              `Startup snapshot: ${snapshot.text}`,
              threadpool.formatDoctor(report),
              formatKernelspecs(kernelspecs),
            ].join("\n\n"),
      );
    });

  program
    .command("kernel")
    .description("run the kernel (Jupyter starts this from the kernelspec)")
    .requiredOption("--connection-file <file>", "the connection file Jupyter wrote")
    .action(async (opts) => {
      const { Kernel } = await import("../shell/kernel");
      await Kernel.fromConnectionFile(opts.connectionFile).start();
    });

  program
    .command("agent")
    .description("run this machine's workers for %parallel map --cluster (one agent per machine)")
    .option(
      "--cluster <url>",
      "NATS server: nats://user:pass@host:port, nats://token@host:port or tls://… (default: THREADLAB_CLUSTER)",
    )
    .option("--workers <n>", "worker threads (default: THREADLAB_WORKERS or this machine's CPUs)")
    .option("--name <name>", "node name in status and errors (default: the host name)")
    .option("--user <user>")
    .option("--password <password>")
    .option("--token <token>")
    .option("--creds <file>", "NATS credentials file")
    .option("--tls-ca <file>")
    .option("--tls-cert <file>")
    .option("--tls-key <file>")
    .option("--insecure", "serve a server that needs no credentials (anyone reaching it can run code here)")
    .option("--model-cache-mb <mb>", "models kept for later maps (default: half the memory)")
    .option("--ack-wait <ms>", "redelivery timeout of batches, when this agent creates the queue")
    .option(
      "--no-supervisor",
      "run the agent in this process, without a supervisor that restarts it when an item takes it down (for systemd's Restart=always)",
    )
    .action(async (opts) => (await import("../agent/cli")).runAgent(opts));

  program
    .command("cluster")
    .description("a NATS server and agents on this machine, for trying --cluster")
    .command("local")
    .option("--agents <n>", "agent processes", "2")
    .option("--workers <n>", "workers per agent", "1")
    .action(async (opts) => (await import("../agent/cli")).runLocalCluster(opts));

  program.parseAsync(argv).catch((e) => {
    console.error(`threadlab: ${e?.message ?? e}`);
    process.exit(1);
  });
}
