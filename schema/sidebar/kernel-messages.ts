/**
 * Kernel → panel, every message: `hello` once the comm opens, `update`s (update.ts), and the `ack` or `error`
 * answering each request. Read leniently (unknown fields pass), so a newer kernel can add fields without
 * breaking an older panel.
 */
import { z } from "zod";
import { UpdateMessageSchema } from "./update";
import { PROTOCOL_VERSION } from "./version";

export const HelloSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal("hello"),
  versions: z.object({ protocol: z.number(), threadlab: z.string(), node: z.string(), v8: z.string() }),
  capabilities: z.object({
    /** A worker pool can be resized (false before %parallel exists in this kernel). */
    setWorkers: z.boolean(),
    setLimit: z.boolean(),
    reset: z.boolean(),
    /** How the task timeline is made: from the pool's "chunks" records, or "none". */
    timeline: z.enum(["chunks", "none"]),
    maxRateHz: z.number(),
    defaultRateHz: z.number(),
    /** The pool's ceiling: the largest `set_workers` it accepts (the panel's only source for this bound). */
    maxWorkers: z.number(),
  }),
  pid: z.number(),
});
export type Hello = z.infer<typeof HelloSchema>;

export const AckSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal("ack"),
  id: z.string().optional(),
  request: z.enum(["subscribe", "unsubscribe", "set_workers", "set_limit", "reset"]),
  /** What the kernel did, in words (e.g. "rate clamped to 10 Hz"). */
  detail: z.string().optional(),
  /** The effective rate, for subscribe. */
  rate: z.number().optional(),
});
export type Ack = z.infer<typeof AckSchema>;

export const ErrorSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal("error"),
  id: z.string().nullable(),
  /** The request's type when it could be read. */
  request: z.string().nullable(),
  /** The offending field ("data" when the message is not an object at all). */
  field: z.string(),
  message: z.string(),
  /** What the field accepts. */
  accepted: z.string(),
});
export type ErrorReply = z.infer<typeof ErrorSchema>;

export const KernelMessageSchema = z.discriminatedUnion("type", [
  HelloSchema,
  UpdateMessageSchema,
  AckSchema,
  ErrorSchema,
]);
export type KernelMessage = z.infer<typeof KernelMessageSchema>;
