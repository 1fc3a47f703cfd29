// Relative links in the Markdown we write (README, docs/, bench/, the tutorials' markdown cells) must reach a
// file, and a `#fragment` a heading of it: a file moved or a heading renamed otherwise leaves a dead link that
// nothing reports. Likewise a repository path in backticks (`kernel/pool/options.ts`): the docs' "where to
// change what" tables are such paths, and files move between folders. Hand-written rather than a link-checker package because those fetch web URLs too (no network
// here) and none reads notebooks' markdown cells; this is one regex over files git knows, well under a second.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tracked = execFileSync("git", ["ls-files", "*.md", "*.ipynb"], { cwd: root, encoding: "utf8" })
  .split("\n")
  .filter((f) => f && !f.startsWith("node_modules/") && existsSync(join(root, f)));

/** The Markdown a reader sees: a notebook's markdown cells, or the file. */
function markdownOf(file) {
  const text = readFileSync(join(root, file), "utf8");
  if (!file.endsWith(".ipynb")) return text;
  const nb = JSON.parse(text);
  return nb.cells
    .filter((c) => c.cell_type === "markdown")
    .map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source))
    .join("\n\n");
}

/** Fenced code is not prose: `[a](b)` in a code sample is no link. */
const withoutFences = (md) => md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(md) {
  const seen = new Map();
  const anchors = new Set();
  for (const m of withoutFences(md).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

const problems = [];
for (const file of tracked) {
  const md = withoutFences(markdownOf(file));
  for (const m of md.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, mailto:, attachment:
    const [path, fragment] = target.split("#");
    const dest = path === "" ? join(root, file) : join(root, dirname(file), decodeURIComponent(path));
    const shown = `${file}: (${target})`;
    if (!existsSync(dest)) {
      problems.push(`${shown}: no file ${relative(root, dest)}`);
      continue;
    }
    if (fragment && statSync(dest).isFile() && /\.(md|ipynb)$/.test(dest)) {
      if (!anchorsOf(markdownOf(relative(root, dest))).has(fragment.toLowerCase()))
        problems.push(`${shown}: no heading #${fragment} in ${relative(root, dest)}`);
    }
  }
}

/** Build output (`extension/lib/`) is named in the docs but exists only after a build. */
function gitIgnored(path) {
  try {
    execFileSync("git", ["check-ignore", "-q", path], { cwd: root });
    return true;
  } catch {
    return false;
  }
}

// Paths from the repository root only: a folder-relative name (`pool/map-job.ts` under "kernel/") is read in
// its context, which a regex cannot know.
const ROOT_PATH = /`((?:kernel|extension|schema|test|scripts|bench|binder|docs|tutorials|style|bin)\/[\w./-]*)`/g;
for (const file of tracked) {
  for (const m of withoutFences(markdownOf(file)).matchAll(ROOT_PATH)) {
    if (!existsSync(join(root, m[1])) && !gitIgnored(m[1]))
      problems.push(`${file}: \`${m[1]}\`: no such file or folder`);
  }
}

if (problems.length > 0) {
  console.error(
    `Dead links or paths in the docs (fix the path or the heading it points to):\n  ${problems.join("\n  ")}`,
  );
  process.exit(1);
}
console.log(`doc links: ${tracked.length} files, no dead relative links or repository paths`);
