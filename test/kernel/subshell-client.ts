/** Requests on JEP 91 subshells for the tests: the subshell's id goes in the request's header. */
import assert from "node:assert/strict";
import type { Message } from "../../kernel/protocol/messages";
import type { RawClient } from "./client";

/** Sends an execute_request on a subshell (its id in the header, as JEP 91 says); resolves once it is sent. */
export async function submitOn(k: RawClient, subshellId: string | null, code: string, timeoutMs = 15000) {
  return k.submit(code, {}, timeoutMs, subshellId === null ? {} : { subshell_id: subshellId });
}

export async function executeOn(k: RawClient, subshellId: string | null, code: string) {
  const { msgId, reply } = await submitOn(k, subshellId, code);
  return { reply: await reply, outputs: await k.outputsOf(msgId) };
}

export async function controlOn(k: RawClient, type: string, content: unknown, subshellId?: string): Promise<Message> {
  const msg = k.message(type, content);
  if (subshellId) (msg.header as unknown as Record<string, unknown>).subshell_id = subshellId;
  const reply = k.replyTo(msg.header.msg_id);
  await k.send("control", msg);
  return reply;
}

export async function createSubshell(k: RawClient): Promise<string> {
  const r = await k.request("control", "create_subshell_request", {});
  assert.equal(r.header.msg_type, "create_subshell_reply");
  assert.equal(r.content.status, "ok");
  assert.match(String(r.content.subshell_id), /^[0-9a-f-]{36}$/);
  return String(r.content.subshell_id);
}

/** Whether `m` is published for the request `msgId`. */
export function isFor(m: Message, msgId: string): boolean {
  return m.parent_header.msg_id === msgId;
}

export async function waitFor(cond: () => boolean, what = "the kernel", timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A shell message (a comm_open, a comm_msg…) on a subshell, as JupyterLab sends comms when subshells exist. */
export function onSubshell(k: RawClient, subshellId: string, type: string, content: unknown): Message {
  const msg = k.message(type, content);
  (msg.header as unknown as Record<string, unknown>).subshell_id = subshellId;
  return msg;
}
