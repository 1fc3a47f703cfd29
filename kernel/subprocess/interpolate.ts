/**
 * IPython's `$name` in shell commands: `$name` is replaced by the notebook's top-level value of that name
 * (`String(value)`; arrays joined by spaces, unquoted, as IPython does), `$$` by a single `$`. A `$NAME`
 * that is not a notebook value is left for the shell, so `$HOME` and `$PATH` still work.
 */
export function interpolate(command: string, locals: Record<string, unknown>): string {
  return command.replace(/\$\$|\$([A-Za-z_][\w]*)/g, (whole, name: string | undefined) => {
    if (name === undefined) return "$";
    if (!Object.prototype.hasOwnProperty.call(locals, name)) return whole;
    const v = locals[name];
    return Array.isArray(v) ? v.map(String).join(" ") : String(v);
  });
}
