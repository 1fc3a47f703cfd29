/**
 * What the threadlab sidebar and the kernel say to each other over the `threadlab` comm: one definition of
 * every message — TypeScript types and runtime validation (zod) — imported by both sides. The kernel is
 * compiled by tsconfig.node.json (CommonJS), the panel by extension/tsconfig.json (ES modules); this folder
 * must stay free of Node and DOM APIs.
 *
 * Panel → kernel: `subscribe`, `unsubscribe`, `set_workers`, `set_limit`, `reset`; each is answered with an
 * `ack` or an `error` carrying the request's `id`. Kernel → panel: `hello` once the comm opens, then
 * `update`s (the kernel's state) at the subscribed rate while a panel is subscribed and visible.
 *
 * (The Jupyter wire protocol is kernel/protocol/; the pool's messages to its workers are another thing again.)
 *
 * Every message carries `v` (PROTOCOL_VERSION). Requests are strict — an unknown field is an error, so a
 * misspelt field cannot be silently ignored — while kernel messages are read leniently, so a newer kernel can
 * add fields without breaking an older panel. A change that an older peer would misread bumps the version.
 *
 * This index is the one door: both sides import `schema/sidebar`, never a part of it. The parts, by what they
 * are: version.ts (the version, its history, rates and bounds), requests.ts (panel → kernel), update.ts (the
 * kernel's state), timeline.ts (chunk records and their tuples), cluster.ts, kernel-messages.ts (hello, ack,
 * error) and validate.ts.
 *
 * @module
 */
export * from "./version";
export * from "./requests";
export * from "./update";
export * from "./timeline";
export * from "./cluster";
export * from "./kernel-messages";
export * from "./validate";
