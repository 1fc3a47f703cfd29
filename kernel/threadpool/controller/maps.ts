/**
 * Which shared libraries are mapped into this process. threadpoolctl asks the dynamic loader
 * (`dl_iterate_phdr`); from Node the equivalent without a native addon is `/proc/self/maps`, which lists every
 * file mapping, so a library is "loaded" exactly when one of its files appears there.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";

/** Paths of mapped shared objects, deduplicated, in first-mapping order. */
export function parseMappedLibraries(mapsText: string): string[] {
  const seen = new Set<string>();
  for (const line of mapsText.split("\n")) {
    // address perms offset dev inode pathname — the path is everything after the fifth field and may
    // contain spaces, so split only the first five off.
    const m = /^\S+\s+\S+\s+\S+\s+\S+\s+\d+\s+(.*)$/.exec(line);
    if (!m) continue;
    const path = m[1].trim();
    // Anonymous and pseudo mappings ([heap], [vdso]) have no file; a "(deleted)" file cannot be reopened by
    // path without loading whatever now lives there, which would break the never-load rule.
    if (!path.startsWith("/") || path.endsWith("(deleted)")) continue;
    if (!/\.so(\.|$)/.test(basename(path))) continue;
    seen.add(path);
  }
  return [...seen];
}

/** Libraries mapped into the current process right now. Empty where `/proc` does not exist (not Linux). */
export function mappedLibraries(mapsPath = "/proc/self/maps"): string[] {
  let text: string;
  try {
    text = readFileSync(mapsPath, "utf8");
  } catch {
    return [];
  }
  return parseMappedLibraries(text);
}

/** True when `path` is currently mapped: the guard before any `koffi.load`. */
export function isMapped(path: string): boolean {
  return mappedLibraries().includes(path);
}
