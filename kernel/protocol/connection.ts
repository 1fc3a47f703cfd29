import { readFileSync } from "node:fs";
import { ConnectionInfo } from "./messages";

const PORTS = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"] as const;

/** Reads and checks a Jupyter connection file; errors say which field is wrong. */
export function readConnectionFile(path: string): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`cannot read connection file ${path}: ${(e as Error).message}`, { cause: e });
  }
  const info = raw as ConnectionInfo;
  for (const p of PORTS) {
    if (!Number.isInteger(info[p])) throw new Error(`connection file ${path}: ${p} must be an integer port`);
  }
  if (typeof info.ip !== "string") throw new Error(`connection file ${path}: ip must be a string`);
  info.transport ??= "tcp";
  info.key ??= "";
  info.signature_scheme ??= "hmac-sha256";
  return info;
}
