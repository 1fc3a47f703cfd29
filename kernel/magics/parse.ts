import yargsParser from "yargs-parser";
import { closest } from "./registry";
import { MagicError, MagicOption, ParsedArgs } from "./types";

export type Segment =
  | { kind: "code"; code: string; line: number }
  | { kind: "line"; name: string; raw: string; line: number }
  | { kind: "cell"; name: string; raw: string; body: string; line: number }
  | { kind: "help"; name: string; cell: boolean };

const LINE_MAGIC = /^%([A-Za-z_][\w.-]*)(.*)$/;
const CELL_MAGIC = /^%%([A-Za-z_][\w.-]*)(.*)$/;
/** `!cmd` at the start of a line (not `!!`, `!(`, `!=`, which start TypeScript): IPython's shell escape. */
const SHELL_LINE = /^!(?![!(=])(.*\S.*)$/;
const HELP = /^\?{1,2}(%{1,2})([A-Za-z_][\w.-]*)\s*$|^(%{1,2})([A-Za-z_][\w.-]*)\?{1,2}\s*$/;

/**
 * Splits a cell into TypeScript chunks and magics, IPython-style: `%%name` on the first line makes the whole
 * cell a cell magic; `%name` at the start of a line is a line magic, run in order between the TypeScript
 * around it — unless the TypeScript before it is still open (a `%` continuing an expression or inside a
 * template literal), in which case the line is TypeScript. `%name?` and `?%name` ask for help. A line
 * `!cmd` is the line magic `%system cmd`, as in IPython.
 */
export function splitCell(src: string, isOpen: (code: string) => boolean): Segment[] {
  const lines = src.split("\n");
  let first = 0;
  while (first < lines.length && lines[first].trim() === "") first++;
  if (first < lines.length) {
    const help = HELP.exec(lines[first].trim());
    if (help && lines.slice(first + 1).every((l) => l.trim() === "")) {
      const percents = help[1] ?? help[3];
      return [{ kind: "help", name: help[2] ?? help[4], cell: percents === "%%" }];
    }
    const cell = CELL_MAGIC.exec(lines[first]);
    if (cell)
      return [
        { kind: "cell", name: cell[1], raw: cell[2].trim(), body: lines.slice(first + 1).join("\n"), line: first },
      ];
  }
  const segments: Segment[] = [];
  let chunk: string[] = [];
  let chunkStart = 0;
  const flush = (next: number) => {
    if (chunk.some((l) => l.trim() !== "")) segments.push({ kind: "code", code: chunk.join("\n"), line: chunkStart });
    chunk = [];
    chunkStart = next;
  };
  lines.forEach((text, i) => {
    const m = LINE_MAGIC.exec(text);
    const shell = m ? null : SHELL_LINE.exec(text);
    if ((m || shell) && !text.startsWith("%%") && !(chunk.some((l) => l.trim() !== "") && isOpen(chunk.join("\n")))) {
      flush(i + 1);
      const help = m && HELP.exec(text.trim());
      if (help) segments.push({ kind: "help", name: help[2] ?? help[4], cell: false });
      else if (shell) segments.push({ kind: "line", name: "system", raw: shell[1].trim(), line: i });
      else segments.push({ kind: "line", name: m![1], raw: m![2].trim(), line: i });
    } else {
      if (chunk.length === 0) chunkStart = i;
      chunk.push(text);
    }
  });
  flush(lines.length);
  return segments;
}

/**
 * Parses a magic's argument string with yargs-parser (shell-like quoting, `--opt value`, `-n 3`,
 * `--no-flag`) and rejects options the magic does not declare, naming the valid ones.
 */
export function parseArgs(magic: string, raw: string | string[], options: readonly MagicOption[] = []): ParsedArgs {
  const known = new Set<string>(["_", "--"]);
  const opts: yargsParser.Options = {
    boolean: [],
    number: [],
    string: [],
    alias: {},
    configuration: {
      "camel-case-expansion": false,
      "strip-aliased": true,
      "parse-numbers": false,
      "parse-positional-numbers": false,
      "duplicate-arguments-array": false,
      "greedy-arrays": false,
    },
  };
  for (const o of options) {
    known.add(o.name);
    // Numbers are parsed as strings and converted below, so an error can quote what the user typed.
    (opts[o.type === "number" ? "string" : o.type] as string[]).push(o.name);
    if (o.alias) {
      known.add(o.alias);
      (opts.alias as Record<string, string[]>)[o.name] = [o.alias];
    }
  }
  const parsed = yargsParser.detailed(raw, opts);
  if (parsed.error) throw new MagicError(`%${magic}: ${parsed.error.message}`);
  const argv = parsed.argv as ParsedArgs;
  for (const key of Object.keys(argv)) {
    if (known.has(key)) continue;
    // One letter is one edit from every other: only longer misspellings get a suggestion.
    const near =
      key.length > 1
        ? closest(
            key,
            options.map((o) => o.name),
          )
        : [];
    const hint = near.length ? ` Did you mean ${near.map(flag).join(", ")}?` : "";
    const list = options.map((o) => flag(o.name)).join(", ") || "none";
    throw new MagicError(`%${magic}: unknown option ${flag(key)}.${hint} Valid options: ${list}. See %${magic}?`);
  }
  for (const o of options) {
    const v = argv[o.name];
    if (v === undefined) continue;
    if (o.type === "number") {
      const n = typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
      if (Number.isNaN(n))
        throw new MagicError(`%${magic}: --${o.name} needs a number, got ${JSON.stringify(String(v))}`);
      argv[o.name] = n;
    }
    if (o.type === "string" && typeof v === "string" && o.choices && !o.choices.includes(v)) {
      throw new MagicError(`%${magic}: --${o.name} must be one of ${o.choices.join(", ")}, got ${JSON.stringify(v)}`);
    }
  }
  // yargs-parser keeps the quotes around positional words; shell users expect them gone.
  argv._ = argv._.map((w) => String(w).replace(/^(["'])([\s\S]*)\1$/, "$2"));
  return argv;
}

/** An option as typed: `-n` for one letter, `--name` otherwise. */
export function flag(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

/**
 * Splits a magic line into words like a shell does, except that TypeScript expressions stay whole: brackets
 * group (`f(a, b)`, `[1, 2]`, `{ x: 1 }`), and a space next to an operator or after `async`/`new`/… does
 * not split, so `(x: number) => x + 1 items --out y` is three words and an option. Written by hand because
 * shell-word libraries (shell-quote, yargs-parser) know quotes but not expressions. Quotes around a whole
 * word are removed; quotes inside an expression are kept.
 */
export function splitExpressionWords(raw: string): string[] {
  const words: string[] = [];
  let word = "";
  let depth = 0;
  let quote: string | null = null;
  let gap = false; // whitespace seen at depth 0 since the last character of `word`
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      word += c;
      if (c === "\\" && i + 1 < raw.length) word += raw[++i];
      else if (c === quote) quote = null;
      continue;
    }
    if (/\s/.test(c)) {
      if (depth === 0) gap = word.length > 0;
      else word += c;
      continue;
    }
    if (gap) {
      if (continuesExpression(word, raw.slice(i))) word += " ";
      else {
        words.push(unquote(word));
        word = "";
      }
      gap = false;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth = Math.max(0, depth - 1);
    word += c;
  }
  if (quote) throw new MagicError(`unterminated ${quote} quote in ${JSON.stringify(raw)}`);
  if (word) words.push(unquote(word));
  return words;
}

const OPERATOR_END = /[=+\-*/%&|^!<>?:,.~]$/;
const OPERATOR_START = /^(=>|[=+*/%&|^<>?:,.]|-(?![-A-Za-z]))/;
const PREFIX_KEYWORD = /(^|[^\w$])(async|new|typeof|await|void|function|yield|delete|in|of|instanceof|as)$/;

/** Whether the text after a space still belongs to the expression before it. */
function continuesExpression(before: string, after: string): boolean {
  if (/^--?[A-Za-z]/.test(after)) return false; // an option, never part of an expression
  return (
    OPERATOR_END.test(before) ||
    OPERATOR_START.test(after) ||
    PREFIX_KEYWORD.test(before) ||
    /^(in|of|instanceof|as)\s/.test(after)
  );
}

function unquote(w: string): string {
  const m = /^(["'])([\s\S]*)\1$/.exec(w);
  return m ? m[2] : w;
}

/** Usage text with an options table, shared by help, errors and inspection. */
export function formatUsage(synopsis: string, description: string, options: readonly MagicOption[] = []): string {
  const rows = options.map((o) => {
    const typed = `${flag(o.name)}${o.alias ? `, -${o.alias}` : ""}${o.type === "boolean" ? "" : ` ${o.type === "number" ? "N" : "VALUE"}`}`;
    const choices = o.choices ? ` (${o.choices.join(" | ")})` : "";
    return `  ${typed.padEnd(22)} ${o.description}${choices}`;
  });
  return [synopsis, "", description, ...(rows.length ? ["", "Options:", ...rows] : [])].join("\n");
}
