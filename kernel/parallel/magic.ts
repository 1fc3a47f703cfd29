import type { CellOutcome, ErrorInfo } from "../execution/executor";
import { CellError } from "../execution/cell-error";
import { formatUsage, parseArgs, splitExpressionWords } from "../magics/parse";
import { Magic, MagicContext, MagicError, MagicOption, ParsedArgs } from "../magics/types";
import { MapOptionError, type MapOptions } from "../map";
import { WORKER_CPU_AVAILABLE, WORKER_CPU_UNAVAILABLE } from "../pool";
import { modelRegistry } from "../share/registry";
import * as threadpool from "../threadpool";
import { existingPool, notebookPool, setPoolSize, shutdownPool } from "./notebook-pool";
import type { MagicMapOptions, ParallelMapOptions } from "./map";

// Function shipping loads the TypeScript compiler (~0.4 s): required on first use, not at kernel start,
// so that kernel_info is answered at once.
const mapModule = () => require("./map") as typeof import("./map");
const ship = () => require("../ship") as typeof import("../ship");

const options: MagicOption[] = [
  {
    name: "model",
    type: "string",
    description:
      "TypeScript expression: the model passed as fn's second argument (shared zero-copy; a plain object is shared for you)",
  },
  {
    name: "workers",
    type: "number",
    description:
      "most workers this map uses (the pool grows for this map only); with --cluster, most of each agent's workers",
  },
  {
    name: "chunk",
    type: "string",
    description: "items per message: a number, or auto (~10 ms of work per chunk; default)",
  },
  { name: "unordered", type: "boolean", description: "results in completion order" },
  { name: "errors", type: "string", description: "what a failing item does", choices: ["raise", "collect"] },
  { name: "out", type: "string", description: "also bind the results to this notebook variable" },
  { name: "progress", type: "boolean", description: "live progress bar (--no-progress turns it off)" },
  {
    name: "max-heap",
    type: "number",
    description: "V8 heap limit per worker in MB; a worker over it is replaced and its chunk retried",
  },
  {
    name: "timeout",
    type: "number",
    description:
      "seconds one item may run: a longer one fails naming the item and the limit (--errors decides what that does) and the worker running it is replaced; timed per item, not per chunk",
  },
  {
    name: "cluster",
    type: "string",
    description:
      "run on a cluster of threadlab agents: its URL (nats://user:pass@host:port), or none for the connected one / THREADLAB_CLUSTER",
  },
];

const SUBCOMMANDS = ["map", "workers", "status", "models", "shutdown", "cluster"] as const;
const cluster = () => require("../cluster/session") as typeof import("../cluster/session");
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Evaluates a TypeScript expression from the magic line in the notebook, with errors that name the option. */
async function evaluate(ctx: MagicContext, what: string, expr: string): Promise<unknown> {
  const outcome = await ctx.evaluate(`(${expr})`);
  if (outcome.status === "error") {
    throw new CellError({ ...outcome.error, evalue: `${what} ${JSON.stringify(expr)}: ${outcome.error.evalue}` });
  }
  return outcome.hasValue ? outcome.value : undefined;
}

/** The flag of each map option, for errors worded as the magic's usage. */
const FLAG_OF: Partial<Record<keyof MapOptions, string>> = {
  workers: "--workers",
  chunk: "--chunk",
  errors: "--errors",
  maxHeapMB: "--max-heap",
  timeout: "--timeout",
  model: "--model",
};

/** The flags as MapOptions; their rules are checked once, by resolveMapOptions when the map starts. */
async function mapOptions(args: ParsedArgs, ctx: MagicContext, name: string): Promise<ParallelMapOptions> {
  const o: ParallelMapOptions = { name };
  if (args.model !== undefined) o.model = (await evaluate(ctx, "--model", String(args.model))) as object;
  if (args.workers !== undefined) o.workers = args.workers as number;
  if (args.chunk !== undefined) {
    // Text to number here (a flag's value is text); whether the value is allowed is resolveMapOptions' one rule,
    // worded with the flag by asUsageError. Text that is no number goes on as text, for that rule to refuse.
    const c = String(args.chunk);
    o.chunk = c === "auto" ? "auto" : c.trim() !== "" && Number.isFinite(Number(c)) ? Number(c) : (c as never);
  }
  if (args.unordered) o.unordered = true;
  if (args.errors !== undefined) o.errors = args.errors as "raise" | "collect";
  if (args.progress === false) o.progress = false;
  if (args["max-heap"] !== undefined) o.maxHeapMB = args["max-heap"] as number;
  if (args.timeout !== undefined) o.timeout = args.timeout as number;
  // A bare --cluster means the connected cluster (or THREADLAB_CLUSTER).
  if (args.cluster !== undefined) o.cluster = cluster().resolveClusterUrl(String(args.cluster) || true);
  if (args.out !== undefined && !IDENTIFIER.test(String(args.out))) {
    throw new MagicError(`%parallel map: --out needs a variable name, got ${JSON.stringify(args.out)}`);
  }
  return o;
}

/** A map option's rule, broken: the same error, worded with the flag. */
function asUsageError(e: unknown, what: string, sizeFlag = "--workers"): unknown {
  if (!(e instanceof MapOptionError)) return e;
  const flag = e.option === "size" ? sizeFlag : (FLAG_OF[e.option] ?? e.option);
  const got = typeof e.got === "string" ? JSON.stringify(e.got) : String(e.got);
  return new MagicError(`${what}: ${flag} must be ${e.rule}, got ${got}`, { cause: e });
}

async function mapAndReport(items: unknown, args: ParsedArgs, ctx: MagicContext, opts: MagicMapOptions, fn: unknown) {
  let report;
  try {
    report = await mapModule().mapInNotebook(ctx, items as never, fn as never, opts);
  } catch (e) {
    throw asUsageError(e, "%parallel map");
  }
  if (report.failures.length) {
    ctx.write(
      "stderr",
      `${report.failures.length} of ${report.items} items failed (errors are in place of their results)\n`,
    );
  }
  // Declared so that later cells type-check against it.
  if (args.out !== undefined) await ctx.bind(String(args.out), report.results, "any[]");
  return { hasValue: true, value: report.results };
}

function formatStatus(): string {
  const cfg = threadpool.config();
  const p = existingPool();
  // The size and where it came from (doctor's detail); above it only while a map asks for more workers.
  const from =
    p && p.size > cfg.workers.value
      ? `${cfg.workers.value} set by ${cfg.workers.detail}; more for a running map's --workers`
      : cfg.workers.detail;
  const head = `pool: ${p ? `${p.size} workers (${from})` : `not started (will start ${cfg.workers.value} workers: ${cfg.workers.source})`}`;
  if (!p) return head;
  const s = p.status();
  const lines = [head, `queue: ${s.queue} chunks waiting, ${s.inflight} in flight`];
  for (const w of s.workers)
    lines.push(
      `  worker ${w.slot}: ${w.state}, busy ${(w.busy * 100).toFixed(0)}%, cpu ${w.cpu === null ? "n/a" : `${(w.cpu * 100).toFixed(0)}%`}, ` +
        `heap ${w.heapMB === null ? "n/a" : `${w.heapMB} MiB`}, ${w.items} items, ${w.chunks} chunks`,
    );
  // Busy is holding a chunk; cpu is computing it. Busy well above cpu: starved (too many compute threads for
  // the CPUs) or waiting (I/O, await).
  if (!WORKER_CPU_AVAILABLE) lines.push(`  (cpu: ${WORKER_CPU_UNAVAILABLE})`);
  for (const m of s.maps)
    lines.push(
      `  map ${m.id} ${m.name}: ${m.done}/${m.total ?? "?"} done, ${m.failed} failed, ${m.rate.toFixed(1)} items/s`,
    );
  lines.push(
    `shared models: ${s.models.length} (${(s.models.reduce((a, m) => a + m.bytes, 0) / 2 ** 20).toFixed(1)} MiB) · process RSS ${(s.rssBytes / 2 ** 20).toFixed(0)} MiB`,
  );
  return lines.join("\n");
}

export const parallelMagic: Magic = {
  name: "parallel",
  summary: "Map a notebook function over items on a worker-thread pool, with shared models.",
  usage: formatUsage(
    [
      "%parallel map FN ITEMS [options]     FN and ITEMS are TypeScript expressions (quote them if they contain spaces)",
      "%%parallel map ITEMS [options]       the cell body is the function: item, model and index are in scope",
      "%parallel workers [N]                show or resize the pool",
      "%parallel status | models | shutdown",
      "%parallel cluster [status | connect URL | disconnect]   agents of a cluster (docs/cluster.md)",
    ].join("\n"),
    "fn(item, model, index) may be async. The value is the results array, in item order unless --unordered.\n" +
      "Free variables of the function are shipped to the workers; the model is shared once, zero-copy.\n" +
      "Interrupt the kernel to cancel a running map.\n" +
      "While a map runs, %parallel status works from a subshell console (JupyterLab: New Subshell Console for\n" +
      "Notebook): its cells run while the notebook's cell awaits the map. A synchronous loop in any cell blocks\n" +
      "every subshell until it ends (one JavaScript thread runs all the cells).",
    options,
  ),
  // Raw: FN, ITEMS and --model are TypeScript, split by bracket depth before the options are parsed.
  args: "raw",
  options,
  complete(words, { locals }) {
    if (words.length === 0) return [...SUBCOMMANDS];
    if (words[0] === "map" && words.length <= 2) return Object.keys(locals);
    return [];
  },
  async line(_a, raw, ctx) {
    const args = parseArgs("parallel", splitExpressionWords(raw), options);
    const [sub, ...rest] = args._;
    switch (sub) {
      case "map": {
        if (rest.length !== 2)
          throw new MagicError(
            `%parallel map needs FN and ITEMS (got ${rest.length} argument${rest.length === 1 ? "" : "s"}); quote an expression with spaces: %parallel map "(x) => x * 2" items`,
          );
        const [fnExpr, itemsExpr] = rest;
        const fn = await evaluate(ctx, "FN", fnExpr);
        if (typeof fn !== "function")
          throw new MagicError(
            `%parallel map: FN ${JSON.stringify(fnExpr)} is a ${fn === null ? "null" : typeof fn}, not a function`,
          );
        const items = await evaluate(ctx, "ITEMS", itemsExpr);
        const name = IDENTIFIER.test(fnExpr) ? fnExpr : "fn";
        return mapAndReport(items, args, ctx, await mapOptions(args, ctx, name), fn);
      }
      case "workers": {
        if (rest.length === 0) {
          const cfg = threadpool.config();
          const p = existingPool();
          ctx.write(
            "stdout",
            `${p ? p.size : cfg.workers.value} workers (${cfg.workers.source}${p ? "" : "; the pool starts with the first map"})\n`,
          );
          return { hasValue: true, value: p ? p.size : cfg.workers.value };
        }
        try {
          setPoolSize(Number(rest[0]), "magic");
        } catch (e) {
          throw asUsageError(e, "%parallel workers", "N");
        }
        const n = Number(rest[0]);
        const p = notebookPool(ctx);
        p.start();
        const cfg = threadpool.config().workers;
        // A cell-scoped limit (or a running map's --workers) may hold the pool at another size for now.
        const said =
          cfg.value !== n
            ? `pool size set to ${n} workers; held at ${cfg.value} for now (${cfg.detail})`
            : p.size !== n
              ? `pool size set to ${n} workers; ${p.size} until the running map that asked for them ends`
              : `pool resized to ${n} workers`;
        ctx.write("stdout", said + "\n");
        return;
      }
      case "status":
        ctx.write("stdout", formatStatus() + "\n");
        return;
      case "models": {
        const models = modelRegistry.list();
        if (!models.length) ctx.write("stdout", "no shared models (share one with share(obj) or --model)\n");
        for (const m of models) ctx.write("stdout", `${m.id}  ${m.name}  ${(m.bytes / 2 ** 20).toFixed(1)} MiB\n`);
        return { hasValue: true, value: models };
      }
      case "shutdown":
        ctx.write(
          "stdout",
          (await shutdownPool()) ? "pool shut down; the next map starts a new one\n" : "no pool is running\n",
        );
        return;
      case "cluster": {
        const c = cluster();
        const [what = "status", url] = rest;
        if (what === "connect") {
          if (!url)
            throw new MagicError("%parallel cluster connect needs the cluster's URL: nats://user:pass@host:port");
          await c.connectClusterSession(url);
          // clusterStatus(true) asks every agent at once, so the list does not wait for their next heartbeat.
          ctx.write("stdout", c.formatClusterStatus(await c.clusterStatus(true)) + "\n");
          return;
        }
        if (what === "disconnect") {
          ctx.write(
            "stdout",
            (await c.disconnectClusterSession()) ? "disconnected from the cluster\n" : "no cluster connected\n",
          );
          return;
        }
        if (what !== "status")
          throw new MagicError(
            `%parallel cluster: unknown action ${JSON.stringify(what)}; use status, connect URL or disconnect`,
          );
        ctx.write("stdout", c.formatClusterStatus(await c.clusterStatus(true)) + "\n");
        return;
      }
      default:
        throw new MagicError(
          `%parallel: unknown subcommand ${JSON.stringify(sub ?? "")}; use one of ${SUBCOMMANDS.join(", ")} (see %parallel?)`,
        );
    }
  },
  async cell(_a, raw, body, ctx) {
    const args = parseArgs("parallel", splitExpressionWords(raw), options);
    const [sub, ...rest] = args._;
    if (sub !== "map")
      throw new MagicError(
        `%%parallel: only \`%%parallel map ITEMS\` is a cell magic (got ${JSON.stringify(sub ?? "")})`,
      );
    if (rest.length !== 1)
      throw new MagicError(
        `%%parallel map needs ITEMS (one expression; quote it if it has spaces); the cell body is the function`,
      );
    const items = await evaluate(ctx, "ITEMS", rest[0]);
    const opts = await mapOptions(args, ctx, "cell");
    let compileError: ErrorInfo | undefined;
    let shipped;
    const { shipCellBody, ShipError } = ship();
    try {
      shipped = await shipCellBody(body, {
        locals: ctx.locals,
        resolveDir: ctx.cwd,
        name: "cell",
        execute: async (src) => {
          const r: CellOutcome = await ctx.evaluate(src);
          if (r.status === "error") compileError = r.error;
          return r.status === "ok";
        },
      });
    } catch (e) {
      if (e instanceof ShipError && compileError) throw new CellError(compileError);
      throw e;
    }
    return mapAndReport(items, args, ctx, { ...opts, shipped, cell: ctx.cell }, shipped);
  },
};
