/**
 * Models in the cluster's Object Store, named by the digest of their file bytes (kernel/share/model-file.ts).
 * The kernel uploads a model once; each agent fetches it once, straight into one SharedArrayBuffer its worker
 * threads read zero-copy, and keeps it for later maps in a cache bounded by bytes (least recently used first).
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { Objm, type ObjectStore } from "@nats-io/obj";
import { digestOf, encodeModel, isModelFileSource, loadModel, loadModelSource } from "../share/model-file";
import { modelIdOf, modelRegistry } from "../share";
import { MODEL_BUCKET } from "./subjects";
import { collectGarbage, mallocTrim } from "./malloc-trim";

async function openBucket(nc: NatsConnection): Promise<ObjectStore> {
  return new Objm(nc).create(MODEL_BUCKET);
}

/** Kernel side: digests of models already uploaded, so a model used by many maps is encoded and sent once. */
export class ModelPublisher {
  private readonly digests = new WeakMap<object, Promise<string>>();

  private constructor(private readonly os: ObjectStore) {}

  static async open(nc: NatsConnection): Promise<ModelPublisher> {
    return new ModelPublisher(await openBucket(nc));
  }

  /**
   * Uploads a shared model unless the store has its digest already. Models are immutable by convention, so the
   * digest is computed once per model object.
   */
  publish(root: object): Promise<string> {
    let p = this.digests.get(root);
    if (!p) {
      p = this.upload(root);
      p.catch(() => this.digests.delete(root));
      this.digests.set(root, p);
    }
    return p;
  }

  private async upload(root: object): Promise<string> {
    const encoded = encodeModel(root);
    const digest = digestOf(encoded);
    const have = await this.os.info(digest);
    if (have && !have.deleted && have.size === encoded.size) return digest;
    const name = modelRegistry.get(modelIdOf(root) ?? "")?.entry.name ?? "model";
    const parts = encoded.parts;
    let i = 0;
    // Parts are views of the model's own memory: streamed, never concatenated.
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (i < parts.length) c.enqueue(parts[i++]);
        else c.close();
      },
    });
    await this.os.put({ name: digest, description: name }, stream);
    return digest;
  }
}

interface CachedModel {
  readonly digest: string;
  readonly root: object;
  readonly bytes: number;
  readonly name: string;
  /** Batches using it now: a pinned model is never evicted. */
  pins: number;
}

/** Agent side: one copy per node of each model in use, fetched once. */
export class ModelCache {
  private readonly models = new Map<string, CachedModel>();
  private readonly loading = new Map<string, Promise<CachedModel>>();
  /** Object Store fetches since start: the tests count these. */
  fetches = 0;

  private constructor(
    private readonly os: ObjectStore,
    private readonly maxBytes: number,
  ) {}

  static async open(nc: NatsConnection, maxBytes: number): Promise<ModelCache> {
    return new ModelCache(await openBucket(nc), maxBytes);
  }

  /** The model for `digest` (or a `file:` source), pinned until `release(digest)`. */
  async acquire(digest: string): Promise<object> {
    let m = this.models.get(digest);
    if (isModelFileSource(digest)) {
      // Read from the node's filesystem; loadModelSource re-reads a file that changed since.
      const { root, bytes } = loadModelSource(digest);
      if (!m || m.root !== root) {
        if (m) this.models.delete(digest);
        m = { digest, root, bytes, name: digest, pins: m?.pins ?? 0 };
      }
      this.models.delete(digest);
      this.models.set(digest, m);
    } else if (m) {
      // Re-inserted: Map order is the recency order.
      this.models.delete(digest);
      this.models.set(digest, m);
    } else {
      let p = this.loading.get(digest);
      if (!p) {
        p = this.fetch(digest).finally(() => this.loading.delete(digest));
        this.loading.set(digest, p);
      }
      m = await p;
    }
    m.pins++;
    this.evict();
    return m.root;
  }

  release(digest: string): void {
    const m = this.models.get(digest);
    if (m && m.pins > 0) m.pins--;
    this.evict();
  }

  list(): { digest: string; bytes: number; name: string }[] {
    return [...this.models.values()].map((m) => ({ digest: m.digest, bytes: m.bytes, name: m.name }));
  }

  private async fetch(digest: string): Promise<CachedModel> {
    const info = await this.os.info(digest);
    if (!info || info.deleted)
      throw new Error(
        `model ${digest.slice(0, 12)} is not in the ${MODEL_BUCKET} object store (was the bucket purged?)`,
      );
    this.fetches++;
    const r = await this.os.get(digest);
    if (!r)
      throw new Error(
        `model ${digest.slice(0, 12)} disappeared from the ${MODEL_BUCKET} object store while fetching it`,
      );
    const bytes = new Uint8Array(new SharedArrayBuffer(info.size));
    let at = 0;
    for await (const chunk of r.data) {
      if (at + chunk.length > bytes.length)
        throw new Error(`model ${digest.slice(0, 12)} is larger than its object info says`);
      bytes.set(chunk, at);
      at += chunk.length;
    }
    const err = await r.error;
    if (err) throw new Error(`fetching model ${digest.slice(0, 12)} failed: ${err.message}`, { cause: err });
    if (at !== bytes.length) throw new Error(`model ${digest.slice(0, 12)}: got ${at} of ${bytes.length} bytes`);
    collectGarbage();
    mallocTrim();
    const root = loadModel(bytes, info.description || `model ${digest.slice(0, 12)}`);
    const m: CachedModel = { digest, root, bytes: info.size, name: info.description || digest.slice(0, 12), pins: 0 };
    this.models.set(digest, m);
    return m;
  }

  /** Least recently used first, never a pinned one; releasing tells the pool's workers to drop their copies. */
  private evict(): void {
    let total = 0;
    for (const m of this.models.values()) total += m.bytes;
    for (const m of [...this.models.values()]) {
      if (total <= this.maxBytes) break;
      if (m.pins > 0) continue;
      this.models.delete(m.digest);
      total -= m.bytes;
      const id = modelIdOf(m.root);
      if (id) modelRegistry.release(id);
    }
  }
}
