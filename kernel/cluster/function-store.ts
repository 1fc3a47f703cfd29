/**
 * Shipped functions in a key-value bucket, by content hash: a map's code and captured values are stored once,
 * and every batch names them by hash. Agents keep the functions they have rebuilt, so a repeated map costs no
 * fetch at all.
 */
import { createHash } from "node:crypto";
import v8 from "node:v8";
import type { NatsConnection } from "@nats-io/nats-core";
import { Kvm, type KV } from "@nats-io/kv";
import type { ShippedFunction } from "../ship/types";
import { FUNCTION_BUCKET } from "./subjects";

/** Functions an agent keeps decoded; a miss costs one KV get. */
const AGENT_FUNCTIONS = 64;

export class FunctionStore {
  private readonly stored = new Set<string>();
  private readonly decoded = new Map<string, Promise<ShippedFunction>>();

  private constructor(
    private readonly kv: KV,
    private readonly maxPayload: number,
  ) {}

  static async open(nc: NatsConnection): Promise<FunctionStore> {
    const kv = await new Kvm(nc).create(FUNCTION_BUCKET, { history: 1 });
    return new FunctionStore(kv, nc.info?.max_payload ?? 1 << 20);
  }

  /** Stores `fn` unless this process stored it already; returns its hash. */
  async put(fn: ShippedFunction): Promise<string> {
    const bytes = v8.serialize(fn);
    const hash = createHash("sha256").update(bytes).digest("hex");
    if (this.stored.has(hash)) return hash;
    if (bytes.length > this.maxPayload - 1024) {
      throw new RangeError(
        `${fn.name}: its code and captured values take ${(bytes.length / 2 ** 20).toFixed(1)} MB, more than the NATS server's ` +
          `message limit (${(this.maxPayload / 2 ** 20).toFixed(1)} MB); pass large data as the model (--model / { model }) so it is ` +
          "stored once per node instead, or raise max_payload in the server's configuration",
      );
    }
    await this.kv.put(hash, bytes);
    this.stored.add(hash);
    return hash;
  }

  /** The function stored under `hash` (agent side); the same object every time, so pools keep it compiled. */
  get(hash: string): Promise<ShippedFunction> {
    let p = this.decoded.get(hash);
    if (p) {
      this.decoded.delete(hash);
      this.decoded.set(hash, p);
      return p;
    }
    p = this.kv.get(hash).then((e) => {
      if (!e || e.operation !== "PUT")
        throw new Error(`function ${hash.slice(0, 12)} is not in the ${FUNCTION_BUCKET} bucket`);
      return v8.deserialize(e.value) as ShippedFunction;
    });
    p.catch(() => this.decoded.delete(hash));
    this.decoded.set(hash, p);
    if (this.decoded.size > AGENT_FUNCTIONS) this.decoded.delete(this.decoded.keys().next().value!);
    return p;
  }
}
