import * as React from "react";
import type { SidebarModel } from "../model";
import { ClusterSection } from "./cluster";
import { Controls } from "./controls";
import { Utilization } from "./live";
import { MachineSection, PoolsTree } from "./pools-tree";
import { StateNotice } from "./state-notice";
import { Timeline } from "./timeline";

/** Re-renders on every model signal; renders and dispatches, nothing else. */
export function SidebarView(props: { model: SidebarModel }): JSX.Element {
  const model = props.model;
  const [, bump] = React.useReducer((x: number) => x + 1, 0);
  React.useEffect(() => {
    const on = () => bump();
    model.stateChanged.connect(on);
    model.updated.connect(on);
    model.controlsChanged.connect(on);
    return () => {
      model.stateChanged.disconnect(on);
      model.updated.disconnect(on);
      model.controlsChanged.disconnect(on);
    };
  }, [model]);
  const state = model.state;
  const update = model.lastUpdate;
  // "connected" means hello arrived: the bounds it reports are there.
  const hello = model.hello;
  const connected = state.kind === "connected" && hello !== null;
  return (
    <div className="tl-view" data-state={state.kind} data-pid={hello?.pid ?? ""}>
      <div className="tl-header">
        <span className="tl-title">Thread pools</span>
        {"label" in state && state.label ? (
          <span className="tl-muted" data-testid="tl-attached">
            {" "}
            · {state.label}
          </span>
        ) : null}
      </div>
      <StateNotice state={state} onRetry={() => model.reconnect()} />
      {connected && !update ? <div className="tl-muted tl-section">Waiting for the kernel's first update…</div> : null}
      {connected && update ? (
        <>
          <MachineSection update={update} />
          <PoolsTree update={update} />
          <Utilization update={update} recent={model.recent} node={hello?.versions.node} />
          <Timeline recent={model.recent} />
          {update.cluster ? <ClusterSection cluster={update.cluster} /> : null}
          <Controls
            update={update}
            connected={connected}
            canResize={hello.capabilities.setWorkers}
            maxWorkers={hello.capabilities.maxWorkers}
            actions={{
              setWorkers: (n) => void model.setWorkers(n),
              setLimit: (t, v) => void model.setLimit(t, v),
              reset: () => void model.reset(),
              status: (k) => model.control(k),
            }}
          />
        </>
      ) : null}
    </div>
  );
}
