import ts = require("typescript");
import { hasTopLevelAwait } from "../execution/converter/top-level-await";
import { shipFunction, type ShipEnvironment } from "./analyze";
import { ShipError } from "./errors";
import { functionLines, transpileWithLines } from "../execution/cell-lines";
import type { ShippedFunction } from "./types";

/**
 * `%%parallel map`: the cell body is the function. It is wrapped into an arrow function, run by the executor
 * like any cell (so it type-checks and its references to earlier cells become `exports.X`), then shipped.
 */

/**
 * The notebook name the wrapped body is bound to while it is shipped. Not `__threadlab_cell_fn`: tslab
 * 1.0.22 exported every cell name through TypeScript's escaped names, and a name starting with `__` escapes
 * to `___…`, so such a cell failed with "Cannot find name '___threadlab_cell_fn'" (threadlab's converter
 * unescapes them).
 */
export const CELL_FUNCTION_NAME = "$threadlab_cell_fn";

export interface CellFunctionOptions {
  /** TypeScript type of `item` (default `any`). */
  readonly itemType?: string;
  /** TypeScript type of `model` (default `any`). */
  readonly modelType?: string;
}

export interface CellFunctionSource {
  /** TypeScript for the executor: `const $threadlab_cell_fn = (item, model, index) => {\nBODY\n};` */
  readonly source: string;
  readonly name: string;
  /** The body awaits at its top level, so the function is async. */
  readonly isAsync: boolean;
}

/**
 * Wraps a cell body into a function source. Line n of the body is line n + 1 of the function, so with the
 * magic on the cell's first line, worker stack lines (`notebook:cell:L:C`) are the cell's own line numbers.
 * A body whose last statement is an expression returns it, like a cell shows its last expression.
 */
export function cellFunctionSource(body: string, options: CellFunctionOptions = {}): CellFunctionSource {
  const header = "async function f() {\n";
  const sf = ts.createSourceFile("/cell.ts", `${header}${body}\n}`, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const fn = sf.statements[0];
  let returned = body;
  let isAsync = false;
  if (fn && ts.isFunctionDeclaration(fn) && fn.body) {
    isAsync = hasTopLevelAwait(fn.body);
    const last = fn.body.statements[fn.body.statements.length - 1];
    if (last && ts.isExpressionStatement(last)) {
      const at = last.expression.getStart(sf) - header.length;
      returned = `${body.slice(0, at)}return ${body.slice(at)}`;
    }
  }
  const params = `item: ${options.itemType ?? "any"}, model: ${options.modelType ?? "any"}, index: number`;
  const source = `const ${CELL_FUNCTION_NAME} = ${isAsync ? "async " : ""}(${params}) => {\n${returned}\n};`;
  return { source, name: CELL_FUNCTION_NAME, isAsync };
}

export interface CellShipEnvironment extends Omit<ShipEnvironment, "name"> {
  /** Runs TypeScript as a notebook cell (tslab executor's `execute`): false when it did not compile. */
  execute(source: string): Promise<boolean>;
  /** Name for messages and stacks; default "cell". */
  readonly name?: string;
}

/** Compiles a `%%parallel map` body in the notebook and ships it; the temporary name does not stay behind. */
export async function shipCellBody(
  body: string,
  env: CellShipEnvironment,
  options: CellFunctionOptions = {},
): Promise<ShippedFunction> {
  const { source, name } = cellFunctionSource(body, options);
  const label = env.name ?? "cell";
  try {
    if (!(await env.execute(source))) {
      throw new ShipError(
        label,
        "the cell body does not compile (see the errors above; line numbers count the " +
          "`%%parallel` line as line 1)",
      );
    }
    const fn = env.locals[name];
    if (typeof fn !== "function") throw new Error(`threadlab: ${name} was not defined by the cell body`);
    const shipped = shipFunction(fn, { ...env, name: label });
    // Line 1 of the wrapped source is the arrow's header, as line 1 of the cell is the magic: the source
    // lines of the compiled function (execution/cell-lines.ts) are the cell's.
    const lines = functionLines(transpileWithLines(source), Function.prototype.toString.call(fn));
    return lines ? { ...shipped, lines } : shipped;
  } finally {
    delete env.locals[name];
  }
}
