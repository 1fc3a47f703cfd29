import * as React from "react";
import type { SidebarModel } from "../model";
import { Controls } from "./controls";
import { Timeline, Utilization } from "./live";
import { MachineSection, PoolsTree } from "./pools-tree";
import { StateNotice } from "./state-notice";

/** Re-renders on every model signal; renders and dispatches, nothing else. */
export function SidebarView(props: { model: SidebarModel }): JSX.Element {
  const model = props.model;
  const [, bump] = React.useReducer((x: number) => x + 1, 0);
  React.useEffect(() => {
    const on = () => bump();
    model.stateChanged.connect(on);
    model.snapshotReceived.connect(on);
    model.controlsChanged.connect(on);
    return () => {
      model.stateChanged.disconnect(on);
      model.snapshotReceived.disconnect(on);
      model.controlsChanged.disconnect(on);
    };
  }, [model]);
  const state = model.state;
  const snapshot = model.snapshot;
  const connected = state.kind === "connected";
  return (
    <div className="tl-view" data-state={state.kind} data-pid={model.hello?.pid ?? ""}>
      <div className="tl-header">
        <span className="tl-title">Thread pools</span>
        {"label" in state && state.label ? <span className="tl-muted" data-testid="tl-attached"> · {state.label}</span> : null}
      </div>
      <StateNotice state={state} onRetry={() => model.reconnect()} />
      {connected && !snapshot ? <div className="tl-muted tl-section">Waiting for the first snapshot…</div> : null}
      {connected && snapshot ? (
        <>
          <MachineSection snapshot={snapshot} />
          <PoolsTree snapshot={snapshot} />
          <Utilization snapshot={snapshot} history={model.history} />
          <Timeline history={model.history} />
          <Controls snapshot={snapshot} connected={connected} canResize={model.hello?.capabilities.setWorkers ?? false}
            maxWorkers={model.hello?.capabilities.maxWorkers ?? 256}
            actions={{
              setWorkers: (n) => void model.setWorkers(n),
              setLimit: (t, v) => void model.setLimit(t, v),
              reset: () => void model.reset(),
              status: (k) => model.control(k),
            }} />
        </>
      ) : null}
    </div>
  );
}
