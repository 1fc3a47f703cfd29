/**
 * The few members of JupyterLab's `ISessionContext`, `Kernel.IKernelConnection` and `Kernel.IComm` the sidebar
 * uses, as structural types: the real objects fit them, and a test can pass a small fake (no server needed).
 *
 * @module
 */
import type { ISignal } from "@lumino/signaling";

/** The part of `Kernel.IComm` the sidebar uses. Methods (not properties) so the real type fits. */
export interface CommLike {
  readonly commId: string;
  readonly isDisposed: boolean;
  onMsg(msg: { content: { data: unknown } }): void | PromiseLike<void>;
  onClose(msg: { content: { data: unknown } }): void | PromiseLike<void>;
  open(data?: never): unknown;
  send(data: never): unknown;
  close(data?: never): unknown;
  dispose(): void;
}

/** The part of `Kernel.IKernelConnection` the sidebar uses. */
export interface KernelLike {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly connectionStatus: string;
  readonly isDisposed: boolean;
  readonly info: PromiseLike<{ implementation: string; implementation_version?: string }>;
  /** A fresh kernel_info request (the fallback when `info` stays pending). */
  requestKernelInfo?(): PromiseLike<{ content: { implementation?: string } } | undefined>;
  createComm(targetName: string, commId?: string): CommLike;
  readonly statusChanged: ISignal<unknown, string>;
  readonly connectionStatusChanged: ISignal<unknown, string>;
  readonly disposed: ISignal<unknown, void>;
}

/** The part of `ISessionContext` the sidebar uses. */
export interface SessionContextLike {
  readonly session: { readonly kernel: KernelLike | null } | null;
  readonly kernelDisplayName: string;
  readonly isDisposed: boolean;
  readonly kernelChanged: ISignal<unknown, unknown>;
  readonly statusChanged: ISignal<unknown, string>;
  readonly disposed: ISignal<unknown, void>;
}
