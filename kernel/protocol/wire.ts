import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { ConnectionInfo, Message, MessageHeader, PROTOCOL_VERSION } from "./messages";

const DELIMITER = "<IDS|MSG>";

/** Why an incoming multipart message was refused; logged, never executed. */
export class WireError extends Error {}

/**
 * Signs and verifies messages with the connection file's key (HMAC, `hmac-sha256` by default).
 * An empty key disables signing, as the protocol allows.
 */
export class Signer {
  private readonly algorithm: string;
  constructor(
    private readonly key: string,
    scheme = "hmac-sha256",
  ) {
    if (!scheme.startsWith("hmac-")) throw new WireError(`unsupported signature_scheme ${scheme}`);
    this.algorithm = scheme.slice("hmac-".length);
    if (key) createHmac(this.algorithm, key); // throws early on an unknown digest
  }

  sign(parts: Buffer[]): string {
    if (!this.key) return "";
    const h = createHmac(this.algorithm, this.key);
    for (const p of parts) h.update(p);
    return h.digest("hex");
  }

  verify(signature: Buffer, parts: Buffer[]): boolean {
    if (!this.key) return true;
    const expected = Buffer.from(this.sign(parts), "utf8");
    // Constant-time compare: a timing side channel on the key is the one attack the signature prevents.
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
}

/** Splits and checks a multipart ZeroMQ message; throws WireError on anything malformed or badly signed. */
export function decode(frames: Buffer[], signer: Signer): Message {
  const d = frames.findIndex((f) => f.length === DELIMITER.length && f.toString() === DELIMITER);
  if (d < 0) throw new WireError("no <IDS|MSG> delimiter");
  if (frames.length < d + 6) throw new WireError(`expected 5 frames after the delimiter, got ${frames.length - d - 1}`);
  const [sig, header, parent, metadata, content] = frames.slice(d + 1, d + 6);
  if (!signer.verify(sig, [header, parent, metadata, content])) throw new WireError("bad or missing signature");
  const parse = (b: Buffer, what: string) => {
    try {
      const v = JSON.parse(b.toString("utf8"));
      if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
      return v;
    } catch (e) {
      throw new WireError(`${what} is not a JSON object`, { cause: e });
    }
  };
  const h = parse(header, "header") as MessageHeader;
  if (typeof h.msg_type !== "string" || typeof h.msg_id !== "string")
    throw new WireError("header lacks msg_id/msg_type");
  return {
    identities: frames.slice(0, d),
    header: h,
    parent_header: parse(parent, "parent_header"),
    metadata: parse(metadata, "metadata"),
    content: parse(content, "content"),
    buffers: frames.slice(d + 6),
  };
}

export function encode(msg: Omit<Message, "buffers"> & { buffers?: Buffer[] }, signer: Signer): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((o) =>
    Buffer.from(JSON.stringify(o), "utf8"),
  );
  return [...msg.identities, Buffer.from(DELIMITER), Buffer.from(signer.sign(parts)), ...parts, ...(msg.buffers ?? [])];
}

export interface MessageSpec {
  msg_type: string;
  content: unknown;
  parent?: Message | null;
  identities?: Buffer[];
  metadata?: Record<string, unknown>;
  buffers?: Buffer[];
}

/** Builds a message in reply to (or caused by) `parent`, carrying the kernel's session id. */
export function makeMessage(session: string, spec: MessageSpec): Message {
  const parent = spec.parent ?? null;
  return {
    identities: spec.identities ?? parent?.identities ?? [],
    header: {
      msg_id: randomUUID(),
      msg_type: spec.msg_type,
      session,
      username: parent?.header.username ?? "threadlab",
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    },
    parent_header: parent ? parent.header : {},
    metadata: spec.metadata ?? {},
    content: spec.content as Record<string, unknown>,
    buffers: spec.buffers ?? [],
  };
}

export function connectionUrl(info: ConnectionInfo, port: number): string {
  return info.transport === "ipc" ? `ipc://${info.ip}-${port}` : `tcp://${info.ip}:${port}`;
}
