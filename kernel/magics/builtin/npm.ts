import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { closest } from "../registry";
import { exitError, runProcess, shellQuote } from "../../subprocess/run";
import { Magic, MagicError } from "../types";

/** npm's own names for each subcommand %npm runs. */
const SUBCOMMANDS: Record<string, "install" | "uninstall" | "ls"> = {
  install: "install",
  i: "install",
  add: "install",
  uninstall: "uninstall",
  remove: "uninstall",
  rm: "uninstall",
  un: "uninstall",
  ls: "ls",
  list: "ls",
};

/**
 * The npm that came with this Node.js: the kernel's PATH (set by the Jupyter server) need not contain it,
 * but npm-cli.js sits beside the node binary in every Node.js distribution.
 */
function npmCommand(): string[] {
  const bundled = [
    join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "bin", "npm-cli.js"),
    join(dirname(process.execPath), "node_modules", "npm", "bin", "npm-cli.js"),
  ];
  const cli = bundled.find((p) => existsSync(p));
  return cli ? [process.execPath, cli] : ["npm"];
}

/** `%npm install PKG…` into the notebook's directory (`cwd`), so the next cell can import it with its types. */
export function npmMagic(cwd: string): Magic {
  return {
    name: "npm",
    summary: "Install, uninstall or list npm packages in the notebook's directory.",
    usage: [
      "%npm install PKG…      (also i, add) add packages to the notebook's directory; e.g. %npm install lodash @types/lodash",
      "%npm uninstall PKG…    (also remove, rm)",
      "%npm ls                what is installed there",
      "",
      "Runs the npm of the kernel's Node.js with --prefix <notebook directory> (a package.json is created there if",
      "missing); its output streams into the cell, a failure is the cell's error. Other npm options pass through",
      "(--save-dev, a version: lodash@4). The next cell can import what was installed; packages without their",
      "own types need @types/PKG for type checking. If a cell tried to import the package before it was",
      "installed, the compiler remembers it as missing: restart the kernel once.",
    ].join("\n"),
    args: "raw",
    async line(_a, raw, ctx) {
      const [word, ...rest] = raw.trim().split(/\s+/).filter(Boolean);
      if (!word) throw new MagicError("%npm: which command? Usage: %npm install PKG…, %npm uninstall PKG…, %npm ls");
      const sub = SUBCOMMANDS[word];
      if (!sub) {
        // Suggest the full names; a one- or two-letter alias is too close to everything.
        const near = closest(
          word,
          Object.keys(SUBCOMMANDS).filter((n) => n.length > 2),
        );
        throw new MagicError(
          `%npm: unknown command ${JSON.stringify(word)}.${near.length ? ` Did you mean ${near.join(", ")}?` : ""} %npm runs install, uninstall and ls (see %npm?)`,
        );
      }
      if (sub !== "ls" && rest.length === 0)
        throw new MagicError(`%npm ${word}: name the packages, e.g. %npm ${word} lodash`);
      // The rest of the line goes to sh as typed, so quoting works as in a terminal.
      const tail = raw.trim().slice(word.length);
      const command =
        [...npmCommand(), sub, "--prefix", cwd, ...(sub === "ls" ? [] : ["--no-fund", "--no-audit"]), "--color=false"]
          .map(shellQuote)
          .join(" ") + tail;
      const r = await runProcess("/bin/sh", ["-c", command], {
        cwd,
        signal: ctx.signal,
        onOutput: (s, t) => ctx.write(s, t),
      });
      if (r.code !== 0) throw exitError(`npm ${sub}${tail}`, r);
    },
  };
}
