import { randomUUID } from "node:crypto";
import type { Message } from "../protocol/messages";
import { ExecutionQueue } from "./execution-queue";

/**
 * The main shell and the subshells of JEP 91 (kernel subshells): each is its own execution queue — cells on
 * one run in order, one at a time — over the same notebook namespace. Created, listed and deleted on the
 * control channel, as ipykernel 7 does. They are not threads: a subshell's cell runs while the other
 * shells' cells await (a map, a fetch, a timer); a synchronous loop in any cell blocks them all.
 */
export class SubshellTable {
  readonly main: ExecutionQueue;
  private readonly subshells = new Map<string, ExecutionQueue>();

  constructor(private readonly newQueue: (subshellId: string | null) => ExecutionQueue) {
    this.main = newQueue(null);
  }

  create(): string {
    const id = randomUUID();
    this.subshells.set(id, this.newQueue(id));
    return id;
  }

  list(): string[] {
    return [...this.subshells.keys()];
  }

  /** A deleted subshell takes no new requests; the cell it is running, if any, runs to its end. */
  delete(id: string): boolean {
    return this.subshells.delete(id);
  }

  /** The queue a shell request is for: the header's `subshell_id` (absent or null: the main shell). */
  queueFor(msg: Message): ExecutionQueue | undefined {
    const id = subshellIdOf(msg);
    return id === null ? this.main : this.subshells.get(id);
  }

  /** Every execution running now, main shell first. */
  running(): Message[] {
    return [this.main, ...this.subshells.values()].flatMap((q) => (q.running ? [q.running] : []));
  }

  /** The replies to create / list / delete_subshell_request, in ipykernel 7's shapes. */
  reply(msg: Message): { type: string; content: Record<string, unknown> } | undefined {
    switch (msg.header.msg_type) {
      case "create_subshell_request":
        return { type: "create_subshell_reply", content: { status: "ok", subshell_id: this.create() } };
      case "list_subshell_request":
        return { type: "list_subshell_reply", content: { status: "ok", subshell_id: this.list() } };
      case "delete_subshell_request": {
        const id = (msg.content as { subshell_id?: unknown }).subshell_id;
        if (typeof id === "string" && this.delete(id))
          return { type: "delete_subshell_reply", content: { status: "ok" } };
        return {
          type: "delete_subshell_reply",
          content: {
            status: "error",
            ename: "KeyError",
            evalue: `no subshell ${JSON.stringify(id)}: list_subshell_request lists the subshells of this kernel`,
            traceback: [],
          },
        };
      }
      default:
        return undefined;
    }
  }
}

/** A message's subshell (JEP 91 puts it in the header); null for the main shell. */
export function subshellIdOf(msg: Message): string | null {
  const id = (msg.header as { subshell_id?: unknown }).subshell_id;
  return typeof id === "string" ? id : null;
}
