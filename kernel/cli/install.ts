import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export interface InstallOptions {
  user?: boolean;
  sysPrefix?: boolean;
  prefix?: string;
  name?: string;
  python?: string;
  displayName?: string;
}

const root = resolve(__dirname, "..", "..", "..");

/** Where Jupyter data lives for the chosen scope, as Jupyter itself would compute it. */
export function dataDir(opts: InstallOptions): string {
  const python = opts.python ?? "python3";
  if (opts.prefix) return join(resolve(opts.prefix), "share", "jupyter");
  if (opts.sysPrefix) return join(pythonValue(python, "import sys; print(sys.prefix)"), "share", "jupyter");
  try {
    return pythonValue(python, "from jupyter_core.paths import jupyter_data_dir; print(jupyter_data_dir())");
  } catch {
    // jupyter_core not importable from that Python: its default on Linux.
    return join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter");
  }
}

function pythonValue(python: string, code: string): string {
  try {
    return execFileSync(python, ["-c", code], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (e) {
    throw new Error(`could not ask ${python} for its Jupyter paths (${(e as Error).message.split("\n")[0]}); pass --python PATH or --prefix DIR`, { cause: e });
  }
}

/** Writes the kernelspec (absolute argv: this Node and this package) and copies the lab extension if built. */
export function install(opts: InstallOptions): { kernelDir: string; labextension?: string } {
  const name = opts.name ?? "threadlab";
  if (!/^[a-z0-9._-]+$/i.test(name)) throw new Error(`--name ${JSON.stringify(name)}: use letters, digits, '.', '_' or '-'`);
  const data = dataDir(opts);
  const kernelDir = join(data, "kernels", name);
  mkdirSync(kernelDir, { recursive: true });
  const spec = {
    argv: [process.execPath, join(root, "bin", "threadlab.js"), "kernel", "--connection-file", "{connection_file}"],
    display_name: opts.displayName ?? (name === "threadlab" ? "TypeScript (threadlab)" : `TypeScript (${name})`),
    language: "typescript",
    // "message": the control thread turns interrupt_request into SIGINT, so interrupts work on any transport.
    interrupt_mode: "message",
    env: {},
    metadata: { debugger: false },
  };
  writeFileSync(join(kernelDir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
  for (const logo of ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]) {
    const src = join(root, "kernel", "assets", logo);
    if (existsSync(src)) cpSync(src, join(kernelDir, logo));
  }
  const built = join(root, "extension", "labextension");
  let labextension: string | undefined;
  if (existsSync(join(built, "package.json"))) {
    labextension = join(data, "labextensions", "threadlab");
    rmSync(labextension, { recursive: true, force: true });
    cpSync(built, labextension, { recursive: true });
  }
  return { kernelDir, labextension };
}

export function uninstall(opts: InstallOptions): string[] {
  const data = dataDir(opts);
  const removed: string[] = [];
  for (const dir of [join(data, "kernels", opts.name ?? "threadlab"), join(data, "labextensions", "threadlab")]) {
    if (existsSync(dir)) {
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed;
}
