import * as React from "react";
import type { ConnectionState } from "../model";
import { INSTALL_KERNEL } from "./install-advice";

/** Why there is nothing (or nothing live) to show, and what to do about it. */
export function StateNotice(props: { state: ConnectionState; onRetry: () => void }): JSX.Element | null {
  const s = props.state;
  switch (s.kind) {
    case "connected":
      return null;
    case "no-notebook":
      return (
        <Notice kind={s.kind} title="No notebook open">
          Open a notebook or console running the <b>TypeScript (threadlab)</b> kernel; this panel attaches to the one
          you are working in.
        </Notice>
      );
    case "no-kernel":
      return (
        <Notice kind={s.kind} title={`${s.label}: no kernel`}>
          Pick the <b>TypeScript (threadlab)</b> kernel with <i>Kernel → Change Kernel…</i>.
        </Notice>
      );
    case "starting":
      return (
        <Notice kind={s.kind} title={s.restarting ? "Kernel restarting…" : "Kernel starting…"}>
          The panel connects to <b>{s.label}</b> as soon as the kernel is ready.
        </Notice>
      );
    case "connecting":
      return (
        <Notice kind={s.kind} title="Connecting…">
          Opening the sidebar's channel to <b>{s.label}</b>'s kernel.
        </Notice>
      );
    case "not-threadlab":
      return (
        <Notice kind={s.kind} title="Not a threadlab kernel">
          <b>{s.label}</b> runs <b>{s.displayName}</b> ({s.implementation}), which has no thread pools to show. Switch
          with <i>Kernel → Change Kernel…</i> → <b>TypeScript (threadlab)</b>. If it is not listed, install it from a
          terminal, then reload the page:
          <ul className="tl-install">
            <li>
              <Command text={INSTALL_KERNEL.user} />: every Jupyter of your account finds it;
            </li>
            <li>
              <Command text={INSTALL_KERNEL.venv} />: only the environment JupyterLab runs from, <code>VENV</code>.
            </li>
          </ul>
        </Notice>
      );
    case "disconnected":
      return (
        <Notice kind={s.kind} title="Disconnected">
          {s.reason}{" "}
          <button className="jp-mod-styled tl-retry" onClick={props.onRetry}>
            Retry now
          </button>
        </Notice>
      );
  }
}

function Notice(props: { kind: string; title: string; children: React.ReactNode }): JSX.Element {
  return (
    <div className="tl-state" data-state={props.kind} role="status">
      <div className="tl-state-title">{props.title}</div>
      <div className="tl-state-body">{props.children}</div>
    </div>
  );
}

/** A shell command that wraps only between its words: a break inside `--user` would read as two words. */
function Command(props: { text: string }): JSX.Element {
  const words = props.text.split(" ");
  return (
    <code>
      {words.map((w, i) => (
        <React.Fragment key={i}>
          <span className="tl-nowrap">{w}</span>
          {i < words.length - 1 ? " " : ""}
        </React.Fragment>
      ))}
    </code>
  );
}
