/** The kernel a `describe` block's tests share: one process per suite, as starting one takes seconds. */
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { RawClient } from "./client";

type Use = (k: RawClient) => unknown;
type StartOptions = Parameters<typeof RawClient.start>[0];

/**
 * Starts a kernel before the enclosing suite's tests and closes it after them, and then checks that every
 * message it sent decoded (a protocol fault shows in any suite, not only in the protocol tests). `use` gets the
 * client before the first test: assign it to the suite's `let k`, and run any setup cells there.
 */
export function kernelForSuite(use: Use): void;
export function kernelForSuite(options: StartOptions, use: Use): void;
export function kernelForSuite(...args: [Use] | [StartOptions, Use]): void {
  const [options, use] = args.length === 1 ? [{}, args[0]] : args;
  let client: RawClient | undefined;
  before(async () => {
    client = await RawClient.start(options);
    await use(client);
  });
  after(async () => {
    if (!client) return;
    await client.close();
    assert.deepEqual(client.badIopub, [], "the kernel sent messages that do not decode");
  });
}
