import { inspect } from "node:util";
import { Magic } from "../types";

/** A value's type as %whos shows it: the class for objects (`Float32Array`, `Map`), typeof otherwise. */
export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "function") return /^class[\s{]/.test(Function.prototype.toString.call(v)) ? "class" : "function";
  if (typeof v !== "object") return typeof v;
  const proto = Object.getPrototypeOf(v);
  return proto === null ? "object" : (proto.constructor?.name as string | undefined) || "object";
}

/** One line about a value: its size when it has one, else a short inspect. */
function info(v: unknown): string {
  if (Array.isArray(v)) return `length ${v.length}: ${short(v)}`;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return `length ${(v as unknown as ArrayLike<unknown>).length} (${v.byteLength.toLocaleString("en-US")} bytes)`;
  if (v instanceof Map || v instanceof Set) return `size ${v.size}: ${short(v)}`;
  if (typeof v === "function") return `${v.name || "(anonymous)"}(${v.length} parameter${v.length === 1 ? "" : "s"})`;
  return short(v);
}

function short(v: unknown): string {
  const text = inspect(v, { depth: 1, breakLength: Infinity, maxArrayLength: 10, maxStringLength: 60 }).replace(
    /\s+/g,
    " ",
  );
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** The notebook's own names: tslab's exports, less its module marker. */
function names(locals: Record<string, unknown>, types: string[]): string[] {
  return Object.keys(locals)
    .filter((n) => n !== "__esModule")
    .filter((n) => types.length === 0 || types.includes(typeName(locals[n])))
    .sort();
}

const EMPTY = "The notebook has no top-level variables yet.\n";

export const who: Magic = {
  name: "who",
  summary: "List the notebook's top-level variables.",
  usage:
    "%who [TYPE …]\n\nNames of the notebook's top-level variables (const, let, function, class, import), sorted; with TYPE\n(e.g. number, string, function, Array, Float32Array), only those of that type (the type %whos shows).",
  args: "options",
  line(args, _raw, ctx) {
    const list = names(ctx.locals, args._);
    ctx.write("stdout", list.length ? `${list.join("\t")}\n` : EMPTY);
  },
};

export const whos: Magic = {
  name: "whos",
  summary: "Table of the notebook's top-level variables: name, type, value.",
  usage:
    "%whos [TYPE …]\n\nLike %who, as a table: each variable's name, type and a short value (length or size for arrays,\ntyped arrays, maps and sets).",
  args: "options",
  line(args, _raw, ctx) {
    const list = names(ctx.locals, args._);
    if (!list.length) return void ctx.write("stdout", EMPTY);
    const rows = list.map((n) => [n, typeName(ctx.locals[n]), info(ctx.locals[n])]);
    const head = ["Variable", "Type", "Data/Info"];
    const w = [0, 1].map((i) => Math.max(head[i].length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) => `${r[0].padEnd(w[0])}   ${r[1].padEnd(w[1])}   ${r[2]}`.trimEnd();
    ctx.write("stdout", [line(head), "-".repeat(w[0] + w[1] + 6 + 12), ...rows.map(line)].join("\n") + "\n");
  },
};
