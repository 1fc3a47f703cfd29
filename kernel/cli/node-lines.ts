/**
 * The Node.js lines threadlab is tested on, and what `threadlab doctor` says of the one it runs on; the
 * kernelspec's launcher takes its lowest major from here (kernelspec.ts). Outside TypeScript the same lines
 * are in `engines` (package.json, with the minor getBuiltinModule needs) and in .ci/run's fetch: change them
 * together. Dates from Node.js's release schedule (end of maintenance is the end of life).
 */
export interface NodeLine {
  major: number;
  /** Last day of security fixes. */
  endOfLife: string;
  note?: string;
}

export const TESTED_NODE_LINES: readonly NodeLine[] = [
  { major: 20, endOfLife: "2026-04-30", note: "kept while Debian's nodejs package is 20" },
  { major: 22, endOfLife: "2027-04-30" },
  { major: 24, endOfLife: "2028-04-30" },
  { major: 26, endOfLife: "2029-04-30" },
];

/** The newest LTS line (the last tested): what an end-of-life warning tells users to install. */
export const NEWEST_LTS = TESTED_NODE_LINES[TESTED_NODE_LINES.length - 1].major;

export interface NodeCheck {
  version: string;
  tested: boolean;
  endOfLife?: string;
  warning?: string;
}

export function checkNode(version = process.version, today = new Date()): NodeCheck {
  const major = Number(version.replace(/^v/, "").split(".")[0]);
  const line = TESTED_NODE_LINES.find((l) => l.major === major);
  const upgrade = `upgrade to Node.js ${NEWEST_LTS} (the active LTS: nvm install ${NEWEST_LTS}, or the official builds), then run \`threadlab install\` again so the kernelspec records it`;
  if (!line) {
    const newer = major > NEWEST_LTS;
    return {
      version,
      tested: false,
      warning: newer
        ? `Node.js ${major} is newer than the lines threadlab is tested on (${testedList()}): it may work; report what does not`
        : `Node.js ${major} is not a line threadlab is tested on (${testedList()}): ${upgrade}`,
    };
  }
  const eol = new Date(`${line.endOfLife}T23:59:59Z`) < today;
  return {
    version,
    tested: true,
    endOfLife: line.endOfLife,
    warning: eol
      ? `Node.js ${major} reached end of life on ${line.endOfLife} (no more security fixes)${line.note ? `; ${line.note}` : ""}: ${upgrade}`
      : undefined,
  };
}

export function testedList(): string {
  return TESTED_NODE_LINES.map((l) => l.major).join(", ");
}

export function formatNodeCheck(c: NodeCheck): string {
  const head = `Node.js: ${c.version}${c.tested ? ` (tested lines: ${testedList()})` : ""}`;
  return c.warning ? `${head}\n  warning: ${c.warning}` : head;
}
