import { execFileSync } from "node:child_process";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Where to install: one of Jupyter's three scopes. */
export interface ScopeOptions {
  user?: boolean;
  sysPrefix?: boolean;
  prefix?: string;
  python?: string;
}

/**
 * The scope flags as the user typed them again (for messages that say which command repairs something).
 * Throws when more than one scope is given: silently picking one has installed kernels where nobody looked.
 */
export function scopeArgs(opts: ScopeOptions): string[] {
  const given = [
    opts.user && "--user",
    opts.sysPrefix && "--sys-prefix",
    opts.prefix !== undefined && "--prefix",
  ].filter((s): s is string => typeof s === "string");
  if (given.length > 1) {
    throw new Error(
      `${given.join(", ")}: choose one scope (--user, --sys-prefix or --prefix DIR), not ${given.length}`,
    );
  }
  if (opts.prefix !== undefined) return ["--prefix", resolve(opts.prefix)];
  if (opts.sysPrefix)
    return ["--sys-prefix", ...(opts.python && opts.python !== "python3" ? ["--python", opts.python] : [])];
  return ["--user"];
}

/** Where Jupyter data lives for the chosen scope, as Jupyter itself would compute it. */
export function dataDir(opts: ScopeOptions): string {
  scopeArgs(opts);
  const python = opts.python ?? "python3";
  if (opts.prefix !== undefined) return join(resolve(opts.prefix), "share", "jupyter");
  if (opts.sysPrefix) return join(pythonValue(python, "import sys; print(sys.prefix)"), "share", "jupyter");
  try {
    return pythonValue(python, "from jupyter_core.paths import jupyter_data_dir; print(jupyter_data_dir())");
  } catch {
    // jupyter_core not importable from that Python: its default on Linux.
    return defaultUserDataDir();
  }
}

function defaultUserDataDir(): string {
  return (
    process.env.JUPYTER_DATA_DIR ?? join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter")
  );
}

function pythonValue(python: string, code: string): string {
  try {
    return execFileSync(python, ["-c", code], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (e) {
    throw new Error(
      `could not ask ${python} for its Jupyter paths (${(e as Error).message.split("\n")[0]}); pass --python PATH or --prefix DIR`,
      { cause: e },
    );
  }
}

/**
 * Every data directory Jupyter searches for kernelspecs, in its order. `jupyter --paths --json` is the one
 * source of truth (it honours JUPYTER_PATH, virtualenvs and platform dirs); without a `jupyter` on PATH,
 * its defaults.
 */
export function jupyterDataPath(): string[] {
  try {
    const out = execFileSync("jupyter", ["--paths", "--json"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 30_000,
    });
    const data = (JSON.parse(out) as { data?: unknown }).data;
    if (Array.isArray(data) && data.every((d) => typeof d === "string")) return data;
  } catch {
    // No Jupyter here (or a broken one): fall through to the defaults.
  }
  const fromEnv = (process.env.JUPYTER_PATH ?? "").split(":").filter(Boolean);
  return [...new Set([defaultUserDataDir(), ...fromEnv, "/usr/local/share/jupyter", "/usr/share/jupyter"])];
}
