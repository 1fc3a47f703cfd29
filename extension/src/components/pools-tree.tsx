import * as React from "react";
import type { ThreadPoolEntry, Update } from "../../../schema/sidebar";
import { bytes, CPU_SOURCE_TITLE } from "./format";
import { SourceBadge } from "./source-badge";

/** Effective CPUs and how they were derived. */
export function MachineSection(props: { update: Update }): JSX.Element {
  const c = props.update.cpus;
  const bounds: string[] = [`${c.logical} logical`, `${c.affinity} in affinity`];
  if (c.cgroup !== null) bounds.push(`cgroup quota ${c.cgroup}`);
  if (c.max !== null) bounds.push(`THREADLAB_MAX_CPUS=${c.max}`);
  if (c.physical !== null) bounds.push(`${c.physical} physical core${c.physical === 1 ? "" : "s"}`);
  return (
    <section className="tl-section" data-section="machine">
      <h3>Machine</h3>
      <div className="tl-machine">
        <span className="tl-big" data-testid="tl-cpus">
          {c.n}
        </span>{" "}
        effective CPU{c.n === 1 ? "" : "s"}{" "}
        <span className="tl-muted" title={CPU_SOURCE_TITLE[c.src]}>
          (decided by {c.src})
        </span>
        <div className="tl-muted">{bounds.join(" · ")}</div>
      </div>
    </section>
  );
}

function threads(n: number | null): string {
  return n === null ? "?" : `${n} thread${n === 1 ? "" : "s"}`;
}

function PoolLine(props: { p: ThreadPoolEntry }): JSX.Element {
  const p = props.p;
  return (
    <li data-pool={p.id} className={p.set ? "" : "tl-readonly"}>
      <span className="tl-name">{p.impl === p.api ? p.api : `${p.impl}`}</span>{" "}
      <span className="tl-value">{threads(p.n)}</span> <SourceBadge src={p.src} />{" "}
      <span className="tl-muted">
        {p.scope}
        {p.lib ? ` · ${p.lib}` : ""}
        {p.ver ? ` ${p.ver}` : ""}
      </span>
      {p.ro ? <div className="tl-muted tl-why">read-only: {p.ro}</div> : null}
    </li>
  );
}

/** Kernel process → worker pool → per-worker limits; libuv; V8; native libraries; the total against CPUs. */
export function PoolsTree(props: { update: Update }): JSX.Element {
  const s = props.update;
  const cfg = s.config;
  const native = s.threadpools.filter((p) => p.api === "blas" || p.api === "openmp");
  const runtime = s.threadpools.filter((p) => p.api !== "blas" && p.api !== "openmp" && p.api !== "threadlab");
  const workers = s.pool?.size ?? cfg.workers.n;
  const over = s.over.threads > s.over.cpus;
  return (
    <section className="tl-section" data-section="pools">
      <h3>Thread pools</h3>
      {s.over.warn ? (
        <div className="tl-banner" role="alert" data-testid="tl-oversubscribed">
          {s.over.warn}
        </div>
      ) : null}
      <ul className="tl-tree">
        <li>
          <span className="tl-name">Kernel process</span> <span className="tl-muted">RSS {bytes(s.rss)}</span>
          <ul>
            <li data-testid="tl-pool-node">
              <span className="tl-name">Worker pool</span>{" "}
              <span className="tl-value" data-testid="tl-pool-size">
                {workers} worker{workers === 1 ? "" : "s"}
              </span>{" "}
              <SourceBadge src={cfg.workers.src} detail={cfg.workers.d} />
              {s.pool ? null : <span className="tl-muted"> · not started (starts with the first %parallel map)</span>}
              <ul>
                <li>
                  per worker: <span className="tl-value">{threads(cfg.threads.n)}</span>{" "}
                  <SourceBadge src={cfg.threads.src} detail={cfg.threads.d} />
                  {/* The backend threads the total below counts (and the banner), not only the configured knob. */}
                  {", backends "}
                  <span className="tl-value" data-testid="tl-backend-threads">
                    {threads(s.over.backend.n)}
                  </span>{" "}
                  <SourceBadge src={s.over.backend.src} detail={s.over.backend.d} />
                </li>
                {native
                  .filter((p) => p.per)
                  .map((p) => (
                    <li key={`per-${p.id}`} data-testid="tl-per-worker">
                      {p.impl} in each worker: <span className="tl-value">{threads(p.per!.n)}</span>{" "}
                      <SourceBadge src={p.per!.src} />
                    </li>
                  ))}
              </ul>
            </li>
            {runtime.map((p) => (
              <PoolLine key={p.id} p={p} />
            ))}
            <li>
              <span className="tl-name">Native libraries</span>
              {native.length === 0 ? (
                <span className="tl-muted"> none loaded (BLAS/OpenMP appear once a cell loads them)</span>
              ) : null}
              <ul>
                {native.map((p) => (
                  <PoolLine key={p.id} p={p} />
                ))}
              </ul>
            </li>
          </ul>
        </li>
      </ul>
      <div className={`tl-total ${over ? "tl-over" : ""}`} data-testid="tl-total">
        A map may run <b>{s.over.threads}</b> compute thread{s.over.threads === 1 ? "" : "s"} on <b>{s.over.cpus}</b>{" "}
        CPU{s.over.cpus === 1 ? "" : "s"}
        {over ? " — oversubscribed" : ""}
      </div>
    </section>
  );
}
