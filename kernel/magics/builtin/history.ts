import type { HistoryEntry } from "../../history/query";
import type { HistoryStore } from "../../history/store";
import { formatUsage } from "../parse";
import { Magic, MagicError, MagicOption } from "../types";

const options: MagicOption[] = [
  { name: "n", type: "boolean", description: "show line numbers (session/line for other sessions)" },
  { name: "o", type: "boolean", description: "show each input's value too (as text)" },
  { name: "l", type: "string", description: "the last N inputs over all sessions (default 10)" },
  {
    name: "g",
    type: "string",
    description: "inputs over all sessions matching a glob (*, ?, […]), anywhere in the input",
  },
];

/** `4`, `4-6` (inclusive, as in IPython), `~1/` (the whole previous session), `~2/7`, `12/1-5`. */
const RANGE = /^(?:(~?)(\d+)\/)?(\d+)?(?:-(\d+))?$/;

/** IPython's %history over the history database: this session by default, earlier ones by range or search. */
export function historyMagic(store: HistoryStore): Magic {
  return {
    name: "history",
    summary: "Show input history, across sessions (kept in a database).",
    usage: formatUsage(
      "%history [-n] [-o] [-l [N]] [-g PATTERN] [RANGE …]",
      [
        "Without options: every input of this session. RANGE selects lines: 4, 4-6 (inclusive), ~1/ (all of the",
        "previous session), ~2/7 (line 7 two sessions ago), 12/1-5 (session 12). Sessions are numbered across",
        `kernels; the history database is THREADLAB_HISTORY_FILE or <jupyter data dir>/threadlab/history.sqlite.`,
      ].join("\n"),
      options,
    ),
    args: "options",
    options,
    line(args, _raw, ctx) {
      const current = store.session;
      const rows: HistoryEntry[] = [];
      let last: number | undefined;
      const add = (r: ReturnType<HistoryStore["query"]>) =>
        r.forEach((row) =>
          rows.push(
            typeof row[2] === "string"
              ? { session: row[0], line: row[1], input: row[2], output: null }
              : { session: row[0], line: row[1], input: row[2][0], output: row[2][1] },
          ),
        );
      if (args.g !== undefined) {
        const pattern = String(args.g);
        add(
          store.query({
            hist_access_type: "search",
            pattern: pattern.includes("*") ? pattern : `*${pattern}*`,
            output: true,
          }),
        );
      } else if (args.l !== undefined) {
        const n = args.l === "" ? 10 : Number(args.l);
        if (!Number.isInteger(n) || n < 1)
          throw new MagicError(`%history: -l needs a whole number ≥ 1, got ${JSON.stringify(args.l)}`);
        // One more than asked: the tail includes this %history line, which is left out below (as IPython does).
        add(store.query({ hist_access_type: "tail", n: n + 1, output: true }));
        last = n;
      } else if (args._.length === 0) {
        add(store.query({ hist_access_type: "range", session: 0, start: 1, output: true }));
      } else {
        for (const word of args._) {
          const m = RANGE.exec(word);
          if (!m || (!m[2] && !m[3]))
            throw new MagicError(
              `%history: ${JSON.stringify(word)} is not a range; write 4, 4-6, ~1/, ~2/7 or 12/1-5 (see %history?)`,
            );
          const session = m[2] === undefined ? 0 : m[1] ? -Number(m[2]) : Number(m[2]);
          const start = m[3] === undefined ? 1 : Number(m[3]);
          const stop = m[4] !== undefined ? Number(m[4]) + 1 : m[3] !== undefined ? start + 1 : 0;
          add(store.query({ hist_access_type: "range", session, start, stop, output: true }));
        }
      }
      // The %history line itself is already stored; IPython leaves it out of its own listing.
      const shown = rows.filter(
        (e) => !(e.session === current && e.line === ctx.cell && /^\s*%history\b/.test(e.input)),
      );
      if (last !== undefined) shown.splice(0, Math.max(0, shown.length - last));
      ctx.write("stdout", shown.map((e) => formatEntry(e, current, Boolean(args.n), Boolean(args.o))).join(""));
    },
  };
}

function formatEntry(e: HistoryEntry, current: number, numbered: boolean, output: boolean): string {
  const label = numbered ? `${e.session === current ? "" : `${e.session}/`}${e.line}: ` : "";
  const indent = " ".repeat(label.length);
  let text = label + e.input.split("\n").join(`\n${indent}`) + "\n";
  if (output && e.output != null) text += `${indent}-> ${e.output.split("\n").join(`\n${indent}   `)}\n`;
  return text;
}
