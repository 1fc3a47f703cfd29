/**
 * `node tether.js [--remove DIR] -- COMMAND ARGS…`: runs a program that is not ours (nats-server) so that it
 * ends with the process that started the tether, however that one dies. nats-server has no option to follow
 * its parent, and `LocalCluster` cannot clean up after a `kill -9` of its own process: the tether watches its
 * parent (parent-watch.ts), SIGTERMs the program when the parent is gone (SIGKILL after a grace period),
 * removes DIR then (the server's store and its config, which holds the password) and exits as the program
 * did. SIGTERM, SIGINT and SIGHUP are relayed. Builtins only: it is a few MB over a bare Node.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { endChildWithParent } from "./parent-watch";

function main(argv: string[]): void {
  const sep = argv.indexOf("--");
  const own = sep < 0 ? [] : argv.slice(0, sep);
  const command = sep < 0 ? [] : argv.slice(sep + 1);
  if (command.length === 0) {
    process.stderr.write("usage: node tether.js [--remove DIR] -- COMMAND [ARGS…]\n");
    process.exit(2);
  }
  const removeAt = own.indexOf("--remove");
  const remove = removeAt >= 0 ? own[removeAt + 1] : undefined;
  let orphaned = false;
  const child = spawn(command[0], command.slice(1), { stdio: "inherit" });
  const signals: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP"];
  for (const s of signals) process.on(s, () => child.kill(s));
  endChildWithParent(child, { onGone: () => (orphaned = true) });
  child.on("error", (e) => {
    process.stderr.write(`tether: cannot start ${command[0]}: ${e.message}\n`);
    process.exit(127);
  });
  child.on("exit", (code, signal) => {
    // Only an orphan cleans up: while the parent lives, DIR is its own (it restarts the server on the same store).
    if (orphaned && remove) rmSync(remove, { recursive: true, force: true });
    if (signal) {
      for (const s of signals) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 0);
  });
}

main(process.argv.slice(2));
