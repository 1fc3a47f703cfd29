import type { KernelDoor } from "../door";

/** One option of a magic: parsed by yargs-parser, listed in usage, offered by completion. */
export interface MagicOption {
  name: string;
  alias?: string;
  type: "boolean" | "number" | "string";
  description: string;
  /** Values offered by completion after the option. */
  choices?: readonly string[];
}

export interface ParsedArgs {
  /** Positional words, after shell-like unquoting. */
  _: string[];
  [option: string]: unknown;
}

/** What a magic can reach: the kernel's one door, plus the pager, the magics and the cell it runs in. */
export interface MagicContext extends KernelDoor {
  /** Shows text in the pager (an execute_reply payload), as IPython's `?` does. */
  page(text: string): void;
  readonly magics: MagicLookup;
  /** The execution count of the cell running the magic (`In[n]`); undefined for silent executions. */
  readonly cell?: number;
}

export interface MagicLookup {
  names(kind: "line" | "cell"): string[];
  get(name: string): Magic | undefined;
}

/** The value a magic shows like a cell's value; `undefined` shows nothing. */
export type MagicResult = { value?: unknown; hasValue: boolean } | void;

export interface Magic {
  name: string;
  /** One line for %lsmagic. */
  summary: string;
  /** Full help for `%name?`, errors and inspection. */
  usage: string;
  /**
   * "options": arguments are parsed into options and positional words;
   * "raw": the rest of the line is passed as is (for magics that take code, like %time).
   */
  args: "options" | "raw";
  options?: readonly MagicOption[];
  line?(args: ParsedArgs, raw: string, ctx: MagicContext): Promise<MagicResult> | MagicResult;
  cell?(args: ParsedArgs, raw: string, body: string, ctx: MagicContext): Promise<MagicResult> | MagicResult;
  /** Extra completions for the words after the name (subcommands, values). */
  complete?(words: string[], ctx: { locals: Record<string, unknown> }): string[];
}

/** A user error from a magic: shown as an error naming the magic, without a stack. */
export class MagicError extends Error {
  override name = "MagicError";
}
