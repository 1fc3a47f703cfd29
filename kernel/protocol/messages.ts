/** Jupyter messaging protocol shapes (5.4) that the kernel reads and writes. */

export const PROTOCOL_VERSION = "5.4";

export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
  subtype?: string;
}

export interface Message<C = Record<string, unknown>> {
  /** ZeroMQ routing identities that preceded the delimiter; replies are routed back through them. */
  identities: Buffer[];
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

export type Channel = "shell" | "control" | "iopub" | "stdin";

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

export type MimeBundle = Record<string, unknown>;
