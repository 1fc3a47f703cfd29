import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Where the history database lives: `THREADLAB_HISTORY_FILE` if set (`:memory:` keeps history in memory
 * only), else `threadlab/history.sqlite` in Jupyter's data directory — one per user, shared by all their
 * kernels, like IPython's profile history.
 */
export function historyFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.THREADLAB_HISTORY_FILE || join(jupyterDataDir(env), "threadlab", "history.sqlite");
}

/** jupyter_core's `jupyter_data_dir()`, for the cases it distinguishes (written out: no npm package has it). */
export function jupyterDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  const home = homedir();
  if (platform === "darwin") return join(home, "Library", "Jupyter");
  if (platform === "win32") return join(env.APPDATA || join(home, "AppData", "Roaming"), "jupyter");
  return join(env.XDG_DATA_HOME || join(home, ".local", "share"), "jupyter");
}
