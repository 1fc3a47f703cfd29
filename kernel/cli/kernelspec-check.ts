/**
 * `threadlab doctor`'s kernelspec part: every threadlab kernelspec Jupyter can see, and whether it still
 * starts. A kernelspec breaks silently when the Node it names is removed (nvm/Homebrew upgrades) or the
 * package it names goes away (npx's cache cleared, `npm uninstall -g`); the kernel then dies at start.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { jupyterDataPath } from "./jupyter-paths";
import { type KernelJson, LAUNCHER, MIN_NODE_MAJOR } from "./kernelspec";
import { inNpxCache } from "./package-location";

export type KernelspecHealth = "ok" | "stale" | "broken";

export interface KernelspecReport {
  name: string;
  dir: string;
  health: KernelspecHealth;
  /** "" when the kernelspec starts the Node.js on PATH. */
  node?: string;
  entry?: string;
  problems: string[];
}

/** The threadlab kernelspecs in Jupyter's data path (first one wins per name, as in Jupyter). */
export function checkKernelspecs(dataPath: string[] = jupyterDataPath()): KernelspecReport[] {
  const seen = new Set<string>();
  const reports: KernelspecReport[] = [];
  for (const data of dataPath) {
    const kernels = join(data, "kernels");
    if (!existsSync(kernels)) continue;
    for (const name of readdirSync(kernels).sort()) {
      if (seen.has(name)) continue;
      const dir = join(kernels, name);
      let spec: KernelJson;
      try {
        spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8")) as KernelJson;
      } catch {
        continue; // not a kernelspec, or not ours to judge
      }
      const report = checkKernelspec(name, dir, spec);
      if (!report) continue;
      seen.add(name);
      reports.push(report);
    }
  }
  return reports;
}

/** Undefined for a kernelspec that is not threadlab's. */
export function checkKernelspec(name: string, dir: string, spec: KernelJson): KernelspecReport | undefined {
  const record = spec.metadata?.threadlab;
  // Kernelspecs written before the launcher: argv is [node, …/bin/threadlab.js, "kernel", …].
  const legacy = !record && Array.isArray(spec.argv) && spec.argv[1]?.endsWith(`${sep}bin${sep}threadlab.js`);
  if (!record && !legacy) return undefined;
  const node = record ? record.node : spec.argv[0];
  const entry = record ? resolve(dir, record.entry) : spec.argv[1];
  const repair = record?.repair ?? "threadlab install";
  const problems: string[] = [];
  let health: KernelspecHealth = "ok";
  const worse = (h: KernelspecHealth, problem: string) => {
    problems.push(problem);
    if (h === "broken" || health === "ok") health = h;
  };

  if (!existsSync(entry))
    worse(
      "broken",
      `threadlab is gone from ${entry}: install it again (npm install -g threadlab), then run \`${repair}\``,
    );
  else if (inNpxCache(entry))
    worse(
      "stale",
      `it runs threadlab from npx's cache (${entry}), which npm may clear: run \`${repair}\` with a threadlab installed by \`npm install -g threadlab\``,
    );

  if (node === "") {
    if (!nodeOnPath())
      worse(
        "broken",
        `it starts the first Node.js >= ${MIN_NODE_MAJOR} on PATH, and there is none: install Node.js >= ${MIN_NODE_MAJOR}`,
      );
  } else if (!executable(node)) {
    const fallback = record && existsSync(join(dir, LAUNCHER)) ? nodeOnPath() : undefined;
    if (fallback)
      worse(
        "stale",
        `the Node.js it was installed with (${node}) is gone; it starts with ${fallback} from PATH instead: run \`${repair}\` to record that`,
      );
    else
      worse(
        "broken",
        `the Node.js it was installed with (${node}) is gone${record ? ` and there is no Node.js >= ${MIN_NODE_MAJOR} on PATH` : ""}: run \`${repair}\` with Node.js >= ${MIN_NODE_MAJOR}`,
      );
  }
  if (record && process.platform !== "win32" && !existsSync(join(dir, LAUNCHER)))
    worse("broken", `its launcher ${join(dir, LAUNCHER)} is missing: run \`${repair}\``);
  return { name, dir, health, node, entry, problems };
}

function executable(path: string | undefined): boolean {
  if (!path) return false;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The `node` the launcher would fall back to, if it is new enough. */
function nodeOnPath(): string | undefined {
  try {
    const found = execFileSync("/bin/sh", ["-c", "command -v node"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    const major = Number(
      execFileSync(found, ["-p", "process.versions.node.split('.')[0]"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim(),
    );
    return major >= MIN_NODE_MAJOR ? found : undefined;
  } catch {
    return undefined;
  }
}

export function formatKernelspecs(reports: KernelspecReport[]): string {
  if (reports.length === 0)
    return "Kernelspecs: no threadlab kernelspec found in Jupyter's data path (run `threadlab install --user`)";
  const lines = ["Kernelspecs:"];
  for (const r of reports) {
    lines.push(`  ${r.name} [${r.health}] ${r.dir}`);
    for (const p of r.problems) lines.push(`    ${r.health === "broken" ? "error" : "warning"}: ${p}`);
  }
  return lines.join("\n");
}
