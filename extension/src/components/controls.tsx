import * as React from "react";
import { LIMITS, type ThreadPoolEntry, type Update } from "../../../schema/sidebar";
import type { ControlStatus } from "../model";

export interface ControlActions {
  setWorkers(n: number): void;
  setLimit(target: { api: string } | { controller: string }, value: number): void;
  reset(): void;
  status(key: string): ControlStatus | undefined;
}

function Feedback(props: { status: ControlStatus | undefined; testid: string }): JSX.Element | null {
  const s = props.status;
  if (!s) return null;
  if (s.pending)
    return (
      <div className="tl-feedback tl-muted" data-testid={props.testid}>
        applying…
      </div>
    );
  if (s.error) {
    return (
      <div className="tl-feedback tl-error" role="alert" data-testid={props.testid} data-outcome="error">
        {s.error.message}
        {s.error.accepted ? ` Accepted: ${s.error.accepted}.` : ""}
      </div>
    );
  }
  return s.detail ? (
    <div className="tl-feedback tl-muted" data-testid={props.testid} data-outcome="ack">
      {s.detail}
    </div>
  ) : null;
}

/** A number field with an Apply button. */
function NumberControl(props: {
  label: string;
  current: string;
  initial: number;
  min: number;
  max: number;
  disabled: boolean;
  title?: string;
  testid: string;
  onApply: (n: number) => void;
}): JSX.Element {
  const [value, setValue] = React.useState(String(props.initial));
  const apply = () => props.onApply(Number(value));
  return (
    <div className="tl-control" title={props.title}>
      <label>
        <span className="tl-control-label">{props.label}</span>
        <span className="tl-muted"> now {props.current}</span>
      </label>
      <div className="tl-control-row">
        <input
          type="number"
          className="jp-mod-styled"
          data-testid={`${props.testid}-input`}
          value={value}
          min={props.min}
          max={props.max}
          disabled={props.disabled}
          onChange={(e) => setValue(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") apply();
          }}
        />
        <button
          className="jp-mod-styled jp-mod-accept"
          data-testid={`${props.testid}-apply`}
          disabled={props.disabled}
          onClick={apply}
        >
          Apply
        </button>
      </div>
    </div>
  );
}

const LIMIT_APIS: Array<{ api: string; label: string }> = [
  { api: "blas", label: "BLAS threads" },
  { api: "openmp", label: "OpenMP threads" },
];

function currentOf(threadpools: ThreadPoolEntry[], api: string): string {
  const ps = threadpools.filter((p) => p.api === api || p.impl === api);
  if (!ps.length) return "— (none loaded; applies when loaded)";
  return ps.map((p) => `${p.n ?? "?"} (${p.src})`).join(", ");
}

/** Pool size, per-API limits, reset; read-only pools disabled with their reason. */
export function Controls(props: {
  update: Update;
  connected: boolean;
  canResize: boolean;
  maxWorkers: number;
  actions: ControlActions;
}): JSX.Element {
  const { update: s, actions } = props;
  const size = s.pool?.size ?? s.config.workers.n;
  const extraApis = [
    ...new Set(
      s.threadpools.filter((p) => p.set && !["threadlab", "blas", "openmp"].includes(p.api)).map((p) => p.api),
    ),
  ];
  const readOnly = s.threadpools.filter((p) => !p.set);
  const disabled = !props.connected;
  return (
    <section className="tl-section" data-section="controls">
      <h3>Controls</h3>
      <NumberControl
        label="Pool size"
        current={`${size} worker${size === 1 ? "" : "s"}`}
        initial={size}
        min={1}
        max={props.maxWorkers}
        disabled={disabled || !props.canResize}
        testid="tl-workers"
        onApply={(n) => actions.setWorkers(n)}
        title={props.canResize ? "workers in the %parallel pool" : "this kernel cannot resize its pool"}
      />
      <Feedback status={actions.status("workers")} testid="tl-workers-feedback" />
      {[...LIMIT_APIS, ...extraApis.map((api) => ({ api, label: `${api} threads` }))].map(({ api, label }) => {
        const entry = s.threadpools.find((p) => p.api === api || p.impl === api);
        return (
          <React.Fragment key={api}>
            <NumberControl
              label={label}
              current={currentOf(s.threadpools, api)}
              initial={entry?.n ?? 1}
              min={-1}
              max={LIMITS.maxThreads}
              disabled={disabled}
              testid={`tl-limit-${api}`}
              onApply={(n) => actions.setLimit({ api }, n)}
              title="-1 = all CPUs; a %%threadpool cell limit takes precedence while its cell runs"
            />
            <Feedback status={actions.status(`limit:${api}`)} testid={`tl-limit-${api}-feedback`} />
          </React.Fragment>
        );
      })}
      {readOnly.map((p) => (
        <div className="tl-control tl-disabled" key={p.id} title={p.ro}>
          <label>
            <span className="tl-control-label">{p.api}</span>{" "}
            <span className="tl-muted">{p.n ?? "?"} threads · read-only</span>
          </label>
          <div className="tl-muted tl-why">{p.ro}</div>
        </div>
      ))}
      <div className="tl-control-row">
        <button
          className="jp-mod-styled jp-mod-warn"
          data-testid="tl-reset"
          disabled={disabled}
          onClick={() => actions.reset()}
          title="undo what this panel and %threadpool limit set"
        >
          Reset thread limits
        </button>
      </div>
      <Feedback status={actions.status("reset")} testid="tl-reset-feedback" />
    </section>
  );
}
