import { MIME_BUNDLE } from "../execution/mime";
import { errorFromOutcome } from "../magics/outcome";
import { formatUsage } from "../magics/parse";
import { Magic, MagicError, MagicOption } from "../magics/types";
import * as threadpool from "./index";

const options: MagicOption[] = [
  { name: "json", type: "boolean", description: "machine-readable output (the value is the JSON object)" },
];

const SUBCOMMANDS = ["info", "limit", "reset", "doctor"] as const;

/** Limits set by `%threadpool limit` stay until changed or reset; the newest per call is kept to restore. */
const persistent: threadpool.ThreadpoolLimits[] = [];

/** A value shown as preformatted text (and JSON for machines), not as util.inspect of an object. */
function report(text: string, json: unknown): unknown {
  return { [MIME_BUNDLE]: () => ({ "text/plain": text, "application/json": json as object }), toJSON: () => json };
}

function describeLimits(l: threadpool.ThreadpoolLimits): string {
  const lines = l.applied.map((a) => `  ${a.id}: ${a.previous ?? "?"} → ${a.threads}`);
  for (const s of l.skipped) lines.push(`  ${s.id}: not changed (${s.reason})`);
  return lines.length ? lines.join("\n") : "  (no loaded pool matched; the limit applies to pools loaded later)";
}

function parseSpec(words: string[]): threadpool.LimitSpec {
  if (!words.length)
    throw new MagicError(
      "%threadpool limit: say what to limit, e.g. `%threadpool limit 1`, `%threadpool limit blas=1 openmp=2` or `%threadpool limit sequential_blas_under_openmp`",
    );
  try {
    return threadpool.parseLimitSpec(words);
  } catch (e) {
    throw new MagicError(`%threadpool limit: ${(e as Error).message}`);
  }
}

export function resetPersistentLimits(): number {
  const n = persistent.length;
  for (const l of persistent.splice(0).reverse()) l.restore();
  return n;
}

export const threadpoolMagic: Magic = {
  name: "threadpool",
  summary: "Inspect and limit every thread pool in the kernel (threadpoolctl for Node).",
  usage: formatUsage(
    [
      "%threadpool info [--json]        every pool in this process: worker pool, libuv, V8, BLAS, OpenMP, …",
      "%threadpool limit N              all limitable pools to N threads (-1: all CPUs); stays until changed",
      "%threadpool limit blas=1 openmp=2   by user_api, internal_api, library prefix or controller id",
      "%threadpool limit sequential_blas_under_openmp",
      "%threadpool reset                undo every %threadpool limit",
      "%threadpool doctor [--json]      CPUs, resolved THREADLAB_* config with sources, pools, warnings",
      "%%threadpool limit SPEC          limits for this cell only, restored after it (even on error/interrupt)",
    ].join("\n"),
    "Precedence: a cell limit beats a magic/API/sidebar limit, which beats THREADLAB_* environment settings, which beat defaults.",
    options,
  ),
  args: "options",
  options,
  complete(words) {
    if (words.length === 0) return [...SUBCOMMANDS];
    if (words[0] === "limit")
      return ["blas=", "openmp=", "threadlab=", "duckdb=", "polars=", "sequential_blas_under_openmp"];
    return [];
  },
  line(args, _raw, ctx) {
    const [sub, ...rest] = args._;
    const json = Boolean(args.json);
    switch (sub) {
      case undefined:
      case "info": {
        const infos = threadpool.info();
        const warnings = threadpool.warnings(infos);
        if (json)
          return {
            hasValue: true,
            value: report(JSON.stringify({ pools: infos, warnings }, null, 2), { pools: infos, warnings }),
          };
        const text =
          threadpool.formatInfo(infos) + (warnings.length ? "\n\n" + warnings.map((w) => `⚠ ${w}`).join("\n") : "");
        return { hasValue: true, value: report(text, { pools: infos, warnings }) };
      }
      case "limit": {
        const l = threadpool.limits(parseSpec(rest), { source: "magic" });
        persistent.push(l);
        ctx.write("stdout", `limits set:\n${describeLimits(l)}\n`);
        return;
      }
      case "reset": {
        const n = resetPersistentLimits();
        ctx.write("stdout", n ? `restored ${n} limit${n === 1 ? "" : "s"}\n` : "no %threadpool limits were set\n");
        return;
      }
      case "doctor": {
        const r = threadpool.doctor();
        return { hasValue: true, value: report(json ? JSON.stringify(r, null, 2) : threadpool.formatDoctor(r), r) };
      }
      default:
        throw new MagicError(
          `%threadpool: unknown subcommand ${JSON.stringify(sub)}; use one of ${SUBCOMMANDS.join(", ")} (see %threadpool?)`,
        );
    }
  },
  async cell(args, _raw, body, ctx) {
    const [sub, ...rest] = args._;
    if (sub !== "limit")
      throw new MagicError(
        `%%threadpool: only \`%%threadpool limit SPEC\` is a cell magic (got ${JSON.stringify(sub ?? "")})`,
      );
    const outcome = await threadpool.withLimits(
      parseSpec(rest),
      async () => {
        await threadpool.settled(); // DuckDB's SET threads is asynchronous: the body must see it
        return ctx.evaluate(body);
      },
      { source: "cell" },
    );
    if (outcome.status === "error") throw errorFromOutcome(outcome);
    return outcome.hasValue ? { hasValue: true, value: outcome.value } : { hasValue: false };
  },
};
