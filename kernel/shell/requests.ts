import type { Message } from "../protocol/messages";
import type { StdinChannel } from "../stdin/channel";
import { replyTo, type ReplyHost } from "./replies";
import { subshellIdOf, type SubshellTable } from "./subshells";

type Channel = "shell" | "control";

/** What routing a request needs from the kernel (kernel.ts). */
export interface RequestHost {
  readonly shells: SubshellTable;
  readonly replies: ReplyHost;
  readonly stdin: StdinChannel;
  /** The execution count a reply that runs no cell reports (the last one given). */
  executionCount(): number;
  status(state: "busy" | "idle", parent: Message): Promise<void>;
  send(channel: Channel, msgType: string, content: unknown, parent: Message): Promise<void>;
  shutdown(restart: boolean): Promise<void>;
  log(text: string): void;
}

/**
 * Where each incoming request goes: an execute_request to the execution queue of the shell its header names
 * (the main shell or a JEP 91 subshell: subshells.ts); every other request — comms included, whichever shell
 * it names — to an immediate reply (replies.ts), even while cells await. Its busy/idle go to the request, so a
 * frontend that sent it on a subshell sees that subshell's status.
 */
export function routeRequest(host: RequestHost, channel: Channel | "stdin", msg: Message): void {
  const type = msg.header.msg_type;
  if (channel === "stdin") return host.stdin.handleReply(msg);
  if (type === "execute_request" && channel === "shell") {
    const queue = host.shells.queueFor(msg);
    if (queue) queue.push(msg);
    else void noSuchSubshell(host, msg);
    return;
  }
  void answer(host, channel, msg).catch((e) => host.log(`${type} failed: ${(e as Error)?.stack ?? e}`));
}

/**
 * Requests whose busy/idle JupyterLab does not count for the kernel's status (jupyter_server's
 * `untracked_message_types`; JupyterLab 4.5+ skips them) but whose future in @jupyterlab/services completes
 * only on their idle: a console opened while the notebook's cell runs awaits its kernel_info that way before
 * it creates its subshell (JEP 91), so these are bracketed even while a cell runs.
 */
const UNTRACKED = new Set(["kernel_info_request", "comm_info_request", "shutdown_request", "interrupt_request"]);

async function answer(host: RequestHost, channel: Channel, msg: Message): Promise<void> {
  // Every control request that reaches this thread is bracketed, as ipykernel brackets them (not
  // usage_request: the control thread answers it, without status, protocol/control-usage.ts):
  // @jupyterlab/services waits for the idle of a create_subshell_request before the console uses its subshell.
  // A shell request otherwise gets busy/idle only when no cell is running on its shell: a status message from
  // a completion request would flip a frontend to "idle" in the middle of a running cell. A request naming a
  // subshell that is gone (a comm of a deleted subshell) is answered all the same, bracketed.
  const bracket = channel === "control" || UNTRACKED.has(msg.header.msg_type) || !host.shells.queueFor(msg)?.running;
  if (bracket) await host.status("busy", msg);
  try {
    const reply = await replyTo(host.replies, msg);
    if (reply) await host.send(channel, reply.type, reply.content, msg);
    if (msg.header.msg_type === "shutdown_request")
      await host.shutdown(Boolean((msg.content as { restart?: unknown }).restart));
  } finally {
    if (bracket) await host.status("idle", msg);
  }
}

/** An execute_request for a subshell this kernel does not have (never created, or deleted). */
async function noSuchSubshell(host: RequestHost, msg: Message): Promise<void> {
  await host.status("busy", msg);
  const evalue = `no subshell ${JSON.stringify(subshellIdOf(msg))} in this kernel: it was deleted, or never created (create_subshell_request makes one)`;
  await host.send(
    "shell",
    "execute_reply",
    {
      status: "error",
      execution_count: host.executionCount(),
      ename: "SubshellError",
      evalue,
      traceback: [`SubshellError: ${evalue}`],
    },
    msg,
  );
  await host.status("idle", msg);
}
