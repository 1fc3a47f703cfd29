import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "./package-root";
import { PROTOCOL_VERSION } from "./protocol/messages";

export function threadlabVersion(): string {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")).version;
}

/** Read from package.json: loading the compiler itself just to answer kernel_info costs ~0.3 s at start. */
export function typescriptVersion(): string {
  return JSON.parse(readFileSync(require.resolve("typescript/package.json"), "utf8")).version;
}

export function kernelInfoContent(): Record<string, unknown> {
  const version = threadlabVersion();
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "threadlab",
    implementation_version: version,
    language_info: {
      name: "typescript",
      version: typescriptVersion(),
      mimetype: "text/typescript",
      file_extension: ".ts",
      // CodeMirror 6 in JupyterLab 4 picks the language from the mimetype; older frontends read the mode.
      codemirror_mode: { name: "javascript", typescript: true },
      pygments_lexer: "typescript",
      nbconvert_exporter: "script",
    },
    banner: `threadlab ${version} — TypeScript ${typescriptVersion()} on Node.js ${process.version} (V8 ${process.versions.v8}). %lsmagic lists the magics.`,
    help_links: [
      { text: "threadlab", url: "https://www.npmjs.com/package/threadlab" },
      { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
      { text: "Node.js API", url: `https://nodejs.org/docs/${process.version}/api/` },
    ],
    debugger: false,
    // JEP 91: how JupyterLab finds subshells (the protocol version does not say; ipykernel 7.4 still says 5.3).
    supported_features: ["kernel subshells"],
  };
}
