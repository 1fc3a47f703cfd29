/** Validation of both directions, and the `error` reply that names the field and what it accepts. */
import { type ErrorReply, type KernelMessage, KernelMessageSchema } from "./kernel-messages";
import { ACCEPTED, PANEL_MESSAGE_TYPES, PANEL_SCHEMAS, type PanelMessage, type PanelMessageType } from "./requests";
import { LIMITS, PROTOCOL_VERSION } from "./version";

export type Validated<T> = { ok: true; message: T } | { ok: false; error: ErrorReply };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** A short, safe description of a received value for an error message (never the whole of a large value). */
export function describeValue(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (typeof x === "object") return "an object";
  if (typeof x === "string") return JSON.stringify(x.length > 32 ? x.slice(0, 32) + "…" : x);
  if (typeof x === "number" || typeof x === "boolean") return String(x);
  return typeof x;
}

/** An `error` reply; `field` picks the accepted text. */
export function errorReply(
  field: string,
  message: string,
  context: { id?: string | null; request?: string | null; accepted?: string } = {},
): ErrorReply {
  return {
    v: PROTOCOL_VERSION,
    type: "error",
    id: context.id ?? null,
    request: context.request ?? null,
    field,
    message,
    accepted: context.accepted ?? ACCEPTED[field] ?? "see schema/sidebar/",
  };
}

/**
 * Validates a message from the panel. Never throws; an invalid message yields the `error` reply to send,
 * naming the first offending field, what was received and what is accepted. The request `id` is echoed
 * whenever it is readable, so the panel can show the error next to the control that sent it.
 */
export function validatePanelMessage(data: unknown): Validated<PanelMessage> {
  if (!isPlainObject(data)) {
    return { ok: false, error: errorReply("data", `The message must be a JSON object; got ${describeValue(data)}.`) };
  }
  const id = typeof data.id === "string" && data.id.length <= LIMITS.idLength ? data.id : null;
  const type =
    typeof data.type === "string" && (PANEL_MESSAGE_TYPES as string[]).includes(data.type)
      ? (data.type as PanelMessageType)
      : null;
  const ctx = { id, request: type };
  if (data.v !== PROTOCOL_VERSION) {
    const what = data.v === undefined ? "it is missing" : `got ${describeValue(data.v)}`;
    return {
      ok: false,
      error: errorReply(
        "v",
        `Field "v" must be the protocol version ${PROTOCOL_VERSION}; ${what}. Reload the page after updating threadlab so panel and kernel match.`,
        ctx,
      ),
    };
  }
  if (!type) {
    const what = data.type === undefined ? "it is missing" : `got ${describeValue(data.type)}`;
    return { ok: false, error: errorReply("type", `Field "type" must name a request; ${what}.`, ctx) };
  }
  const parsed = PANEL_SCHEMAS[type].safeParse(data);
  if (parsed.success) {
    const m = parsed.data as PanelMessage;
    if (m.type === "set_limit" && (m.api === undefined) === (m.controller === undefined)) {
      const both = m.api !== undefined;
      return {
        ok: false,
        error: errorReply(
          both ? "controller" : "api",
          `set_limit needs exactly one of "api" or "controller"; ${both ? "both were given" : "neither was given"}.`,
          { ...ctx, accepted: `${ACCEPTED.api}; or "controller": ${ACCEPTED.controller}` },
        ),
      };
    }
    return { ok: true, message: m };
  }
  const issue = parsed.error.issues[0];
  if (issue.code === "unrecognized_keys") {
    const key = String(issue.keys[0]);
    const allowed = Object.keys(PANEL_SCHEMAS[type].shape).join(", ");
    return {
      ok: false,
      error: errorReply(key, `${type} has no field ${JSON.stringify(key.slice(0, 32))}.`, {
        ...ctx,
        accepted: `only the fields ${allowed}`,
      }),
    };
  }
  const field = issue.path.length ? String(issue.path[0]) : "data";
  const value = data[field];
  const what = value === undefined ? "it is missing" : `got ${describeValue(value)}`;
  return { ok: false, error: errorReply(field, `${type}: field "${field}" is not valid; ${what}.`, ctx) };
}

/** Validates a message from the kernel (the panel's side). */
export function validateKernelMessage(data: unknown): Validated<KernelMessage> {
  if (!isPlainObject(data))
    return { ok: false, error: errorReply("data", `Expected an object from the kernel; got ${describeValue(data)}.`) };
  if (data.v !== PROTOCOL_VERSION) {
    return {
      ok: false,
      error: errorReply(
        "v",
        `The kernel speaks sidebar protocol ${describeValue(data.v)}, this panel speaks ${PROTOCOL_VERSION}. Install matching versions (threadlab install) and reload the page.`,
      ),
    };
  }
  const parsed = KernelMessageSchema.safeParse(data);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue.path.join(".") || "data";
  return {
    ok: false,
    error: errorReply(
      field,
      `Malformed ${describeValue(data.type)} message from the kernel at "${field}": ${issue.message}.`,
      { accepted: "see schema/sidebar/" },
    ),
  };
}

/** Builds a request with the version filled in (the panel's side). */
export function request<T extends PanelMessage>(m: Omit<T, "v">): T {
  return { v: PROTOCOL_VERSION, ...m } as T;
}
