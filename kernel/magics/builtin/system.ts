import { commandLabel, exitError, runProcess } from "../../subprocess/run";
import { interpolate } from "../../subprocess/interpolate";
import { parseArgs } from "../parse";
import { Magic, MagicContext, MagicError, MagicOption } from "../types";

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

const scriptOptions: MagicOption[] = [
  {
    name: "out",
    type: "string",
    description: "bind stdout to this notebook variable (a string) instead of showing it",
  },
  {
    name: "err",
    type: "string",
    description: "bind stderr to this notebook variable (a string) instead of showing it",
  },
];

/** Runs a command in the cell: output streamed, a non-zero exit is the cell's error. */
async function run(
  file: string,
  args: string[],
  label: string,
  ctx: MagicContext,
  cwd: string,
  capture: { out?: string; err?: string } = {},
) {
  const captured = { stdout: "", stderr: "" };
  const r = await runProcess(file, args, {
    cwd,
    signal: ctx.signal,
    onOutput: (stream, text) => {
      if ((stream === "stdout" && capture.out) || (stream === "stderr" && capture.err)) captured[stream] += text;
      else ctx.write(stream, text);
    },
  });
  if (capture.out) await bind(ctx, capture.out, captured.stdout);
  if (capture.err) await bind(ctx, capture.err, captured.stderr);
  if (r.code !== 0) throw exitError(label, r);
}

async function bind(ctx: MagicContext, name: string, text: string): Promise<void> {
  // Declared with its type, not just set on the notebook's exports, so later cells type-check against it.
  await ctx.bind(name, text, "string");
}

/**
 * `!cmd` lines (magics/parse.ts turns them into `%system cmd`, as IPython's `!` is its `%system`) and the
 * `%%bash` / `%%sh` cell magics. `cwd` is the notebook's directory.
 */
export function systemMagics(cwd: string): Magic[] {
  const system: Magic = {
    name: "system",
    summary: "Run a shell command (what `!cmd` does).",
    usage: [
      "!COMMAND        (or %system COMMAND)",
      "",
      "Runs COMMAND with /bin/sh in the notebook's directory; its output streams into the cell and a non-zero",
      "exit is the cell's error. $name is replaced by the notebook value `name` (String(value); arrays joined",
      'by spaces; not quoted: write "$name" for text with spaces), $$ by $; other $VARS are left for the shell.',
      "A `!` line must start at the beginning of a line. Interrupt stops the command.",
    ].join("\n"),
    args: "raw",
    async line(_a, raw, ctx) {
      const command = interpolate(raw, ctx.locals);
      if (!command.trim()) throw new MagicError("!: no command. Usage: !COMMAND, e.g. !ls -l");
      await run("/bin/sh", ["-c", command], commandLabel(command), ctx, cwd);
    },
  };
  const script = (name: "bash" | "sh", file: string): Magic => ({
    name,
    summary: `Run the cell with ${name}.`,
    usage: [
      `%%${name} [--out NAME] [--err NAME]`,
      "",
      `Runs the cell body as a ${name} script in the notebook's directory; output streams into the cell, a non-zero`,
      "exit status is the cell's error, interrupt stops the script. The body is not interpolated ($x is the shell's).",
      "",
      "Options:",
      "  --out NAME   bind stdout to the notebook variable NAME (a string) instead of showing it",
      "  --err NAME   the same for stderr",
    ].join("\n"),
    args: "raw",
    options: scriptOptions,
    async cell(_a, raw, body, ctx) {
      const args = parseArgs(name, raw, scriptOptions);
      if (args._.length)
        throw new MagicError(`%%${name}: unexpected ${JSON.stringify(args._.join(" "))}; the script is the cell body`);
      for (const o of ["out", "err"] as const) {
        if (args[o] !== undefined && !IDENTIFIER.test(String(args[o])))
          throw new MagicError(`%%${name}: --${o} needs a variable name, got ${JSON.stringify(args[o])}`);
      }
      await run(file, ["-c", body], `the %%${name} cell`, ctx, cwd, {
        out: args.out as string | undefined,
        err: args.err as string | undefined,
      });
    },
  });
  return [system, script("bash", "bash"), script("sh", "/bin/sh")];
}
