import type { Message } from "../protocol/messages";

/** How an input_request is sent: on the stdin channel, routed to the client of `parent` (its execute_request). */
export type SendInputRequest = (content: { prompt: string; password: boolean }, parent: Message) => Promise<Message>;

/** `input()` when the frontend did not set allow_stdin (nbclient, `jupyter execute`, a silent request). */
export class StdinNotAllowedError extends Error {
  override name = "StdinNotAllowedError";
}

/**
 * The kernel's side of Jupyter's stdin channel: `input()` in a cell sends an input_request to the client
 * that sent the execute_request and waits for its input_reply. One question at a time, as in ipykernel;
 * an interrupt rejects the pending question (the frontend withdraws its prompt when the cell ends).
 */
export class StdinChannel {
  private pending?: { id: string; resolve(v: string): void; reject(e: Error): void; request: Message };

  constructor(
    private readonly send: SendInputRequest,
    private readonly log: (text: string) => void,
  ) {}

  /**
   * Asks the frontend. `request`: the execute_request being run (null outside a cell), and whether it
   * allowed stdin.
   */
  async ask(prompt: string, password: boolean, request: { msg: Message | null; allowStdin: boolean }): Promise<string> {
    const msg = request.msg;
    if (!msg)
      throw new StdinNotAllowedError("input() works only while a cell runs (it asks the frontend that ran the cell)");
    if (!request.allowStdin) {
      throw new StdinNotAllowedError(
        "input() needs a frontend that answers input requests; this one sent allow_stdin: false (e.g. nbclient, jupyter execute, or a silent request). Put the value in the code instead, or run the cell in JupyterLab or Notebook",
      );
    }
    if (this.pending)
      throw new Error("input() is already waiting for an answer; await the first input() before asking again");
    const answer = new Promise<string>((resolve, reject) => (this.pending = { id: "", resolve, reject, request: msg }));
    const pending = this.pending!;
    try {
      const sent = await this.send({ prompt: String(prompt ?? ""), password }, msg);
      pending.id = sent.header.msg_id;
    } catch (e) {
      this.pending = undefined;
      throw new Error(`input(): could not send the input request: ${(e as Error)?.message ?? e}`, { cause: e });
    }
    return answer;
  }

  /** An input_reply from the frontend. */
  handleReply(msg: Message): void {
    const p = this.pending;
    if (
      msg.header.msg_type !== "input_reply" ||
      !p ||
      (p.id && msg.parent_header?.msg_id && msg.parent_header.msg_id !== p.id)
    ) {
      this.log(`stdin: ignoring ${msg.header.msg_type} that answers no pending input request`);
      return;
    }
    this.pending = undefined;
    const c = msg.content as { value?: unknown; status?: unknown };
    if (c.status === "error") p.reject(new Error("input(): the frontend could not answer the input request"));
    else p.resolve(String(c.value ?? ""));
  }

  /**
   * Rejects a pending question (interrupt, or the end of the cell that asked). `request`: only if that
   * execute_request asked it (another shell's cell may be the one waiting for its answer).
   */
  cancel(reason: Error, request?: Message): void {
    const p = this.pending;
    if (request && p && p.request !== request) return;
    this.pending = undefined;
    p?.reject(reason);
  }
}
