/**
 * The commands the panel gives a user whose Jupyter does not list the threadlab kernel (a plain module, so
 * test/extension/install-advice.test.ts runs these very commands).
 *
 * `--user` comes first: the per-user data directory is searched by every Jupyter of the account, whichever
 * environment it runs from. `--sys-prefix` alone installs into the environment of the `python3` on PATH
 * (kernel/cli/jupyter-paths.ts), which is not JupyterLab's when that runs from a virtualenv the shell has not
 * activated: it needs `--python` with that environment's Python.
 */
export const INSTALL_KERNEL = {
  user: "npx threadlab install --user",
  /** `VENV` stands for the environment JupyterLab runs from; the panel says so. */
  venv: "npx threadlab install --sys-prefix --python VENV/bin/python",
} as const;
