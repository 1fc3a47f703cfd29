/**
 * Panel → kernel: `subscribe`, `unsubscribe`, `set_workers`, `set_limit`, `reset`. Strict: an unknown field is an
 * error, so a misspelt field cannot be silently ignored.
 */
import { z } from "zod";
import { LIMITS, PROTOCOL_VERSION, RATE } from "./version";

/** What each field accepts, in words: error replies quote it so the sender knows what to send instead. */
export const ACCEPTED: Readonly<Record<string, string>> = {
  data: 'a JSON object such as {"v": 1, "type": "subscribe"}',
  v: `the protocol version ${PROTOCOL_VERSION}`,
  type: "one of subscribe, unsubscribe, set_workers, set_limit, reset",
  id: `a string of at most ${LIMITS.idLength} characters (echoed in the reply)`,
  rate: `updates per second: a number above 0 and at most ${RATE.acceptedMaxHz} (more than ${RATE.maxHz} is clamped to ${RATE.maxHz})`,
  visible: "true or false",
  n: "a whole number of workers from 1 to the pool's maximum (hello's capabilities.maxWorkers)",
  api: "a thread-pool family or implementation such as blas, openmp, openblas, mkl, threadlab",
  controller: "a controller id from the update's threadpools (e.g. libopenblas or libgomp)",
  value: `a whole number of threads from 1 to ${LIMITS.maxThreads}, or -1 for all CPUs`,
};

const requestId = z.string().max(LIMITS.idLength);
const selector = z
  .string()
  .min(1)
  .max(LIMITS.selectorLength)
  .regex(/^[A-Za-z0-9_:./@-]+$/);
const common = { v: z.literal(PROTOCOL_VERSION), id: requestId.optional() };

export const SubscribeSchema = z
  .object({
    ...common,
    type: z.literal("subscribe"),
    rate: z.number().finite().gt(0).max(RATE.acceptedMaxHz).optional(),
    visible: z.boolean().optional(),
  })
  .strict();

export const UnsubscribeSchema = z.object({ ...common, type: z.literal("unsubscribe") }).strict();

export const SetWorkersSchema = z
  .object({
    ...common,
    type: z.literal("set_workers"),
    n: z.number().int().min(1),
  })
  .strict();

const threads = z
  .number()
  .int()
  .refine((n) => n === -1 || (n >= 1 && n <= LIMITS.maxThreads));

export const SetLimitSchema = z
  .object({
    ...common,
    type: z.literal("set_limit"),
    api: selector.optional(),
    controller: selector.optional(),
    value: threads,
  })
  .strict();

export const ResetSchema = z.object({ ...common, type: z.literal("reset") }).strict();

export type Subscribe = z.infer<typeof SubscribeSchema>;
export type Unsubscribe = z.infer<typeof UnsubscribeSchema>;
export type SetWorkers = z.infer<typeof SetWorkersSchema>;
export type SetLimit = z.infer<typeof SetLimitSchema>;
export type Reset = z.infer<typeof ResetSchema>;
export type PanelMessage = Subscribe | Unsubscribe | SetWorkers | SetLimit | Reset;
export type PanelMessageType = PanelMessage["type"];

/** Each request's schema by its `type` (validate.ts picks the one to parse with). */
export const PANEL_SCHEMAS = {
  subscribe: SubscribeSchema,
  unsubscribe: UnsubscribeSchema,
  set_workers: SetWorkersSchema,
  set_limit: SetLimitSchema,
  reset: ResetSchema,
} as const;

export const PANEL_MESSAGE_TYPES = Object.keys(PANEL_SCHEMAS) as PanelMessageType[];
