/** Parallel configuration: knobs, lists per nesting level, defaults, precedence, errors; limit specs. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { childConfig, parseKnob, resolveParallelConfig } from "../../kernel/threadpool/config";
import { parseLimitSpec } from "../../kernel/threadpool/limits";

const values = (c: ReturnType<typeof resolveParallelConfig>) => [
  c.workers.value,
  c.threads.value,
  c.backendThreads.value,
];
const sources = (c: ReturnType<typeof resolveParallelConfig>) => [
  c.workers.source,
  c.threads.source,
  c.backendThreads.source,
];

test("defaults: workers = CPUs, threads = 1, backend = max(CPUs // workers, 1)", () => {
  const c = resolveParallelConfig({ env: {}, cpus: 8 });
  assert.deepEqual(values(c), [8, 1, 1]);
  assert.deepEqual(sources(c), ["default", "default", "default"]);
});

test("joblib's rule keeps workers × backend threads within the CPUs", () => {
  for (const [cpus, workers, backend] of [
    [8, 2, 4],
    [8, 3, 2],
    [2, 4, 1],
    [16, 5, 3],
  ]) {
    const c = resolveParallelConfig({ env: { THREADLAB_WORKERS: String(workers) }, cpus });
    assert.equal(c.backendThreads.value, backend, `cpus ${cpus}, workers ${workers}`);
    assert.ok(workers * backend <= cpus || backend === 1);
  }
});

test("threads count in the rule too: backend = CPUs // (workers × threads)", () => {
  const c = resolveParallelConfig({ env: { THREADLAB_WORKERS: "2", THREADLAB_THREADS: "2" }, cpus: 8 });
  assert.deepEqual(values(c), [2, 2, 2]);
});

test("-1 means all CPUs of the level", () => {
  const c = resolveParallelConfig({ env: { THREADLAB_WORKERS: "2", THREADLAB_BACKEND_THREADS: "-1" }, cpus: 6 });
  assert.equal(c.backendThreads.value, 6);
  assert.match(c.backendThreads.detail, /-1 = all 6 CPUs/);
});

test("lists give one value per nesting level; a child pops the head", () => {
  const c = resolveParallelConfig({ env: { THREADLAB_WORKERS: "4,2", THREADLAB_BACKEND_THREADS: "1,2,3" }, cpus: 16 });
  assert.deepEqual(values(c), [4, 1, 1]);
  const child = childConfig(c);
  assert.equal(child.level, 1);
  assert.equal(child.cpus.value, 4, "a worker's share is CPUs // workers");
  assert.deepEqual(values(child), [2, 1, 2]);
  assert.deepEqual(sources(child), ["env", "default", "env"]);
  const grandchild = childConfig(child);
  assert.deepEqual(values(grandchild), [1, 1, 3]);
  assert.equal(grandchild.workers.source, "default");
});

test("without a list, a worker does not start nested pools and uses its CPU share for backends", () => {
  const child = childConfig(resolveParallelConfig({ env: { THREADLAB_WORKERS: "2" }, cpus: 8 }));
  assert.deepEqual(values(child), [1, 1, 4]);
});

test("precedence: cell > api/magic/sidebar > env > default, later wins among equals", () => {
  const env = { THREADLAB_WORKERS: "3", THREADLAB_BACKEND_THREADS: "2" };
  const c = resolveParallelConfig({
    env,
    cpus: 8,
    settings: [
      { source: "cell", workers: 1 },
      { source: "magic", workers: 5, threads: 2 },
      { source: "sidebar", threads: 3 },
    ],
  });
  assert.deepEqual(values(c), [1, 3, 2]);
  assert.deepEqual(sources(c), ["cell", "sidebar", "env"]);
  assert.equal(c.backendThreads.detail, "THREADLAB_BACKEND_THREADS=2");
  const noCell = resolveParallelConfig({ env, cpus: 8, settings: [{ source: "api", workers: 6 }] });
  assert.deepEqual([noCell.workers.value, noCell.workers.source], [6, "api"]);
});

test("every invalid knob value is an error naming the variable, the value and the accepted forms", () => {
  for (const name of ["THREADLAB_WORKERS", "THREADLAB_THREADS", "THREADLAB_BACKEND_THREADS"]) {
    for (const bad of ["0", "-2", "abc", "1.5", "4,,2", " ", "4,x", "2 3"]) {
      assert.throws(
        () => resolveParallelConfig({ env: { [name]: bad }, cpus: 4 }),
        (err: Error) => {
          assert.ok(err.message.startsWith(`${name}=${JSON.stringify(bad)} is not valid`), err.message);
          assert.match(err.message, /whole number ≥ 1.*-1 for all CPUs.*comma-separated list/);
          return true;
        },
      );
    }
  }
});

test("invalid session settings name the knob and where they came from", () => {
  assert.throws(
    () => resolveParallelConfig({ env: {}, cpus: 4, settings: [{ source: "magic", workers: 0 }] }),
    /workers \(magic\) = 0 is not valid/,
  );
  assert.throws(
    () => resolveParallelConfig({ env: {}, cpus: 4, settings: [{ source: "api", backendThreads: [] }] }),
    /backendThreads \(api\) = \[\] is not valid/,
  );
});

test("parseKnob accepts numbers, -1 and lists", () => {
  assert.deepEqual(parseKnob("X", "4"), [4]);
  assert.deepEqual(parseKnob("X", " 4, -1 ,2"), [4, -1, 2]);
});

test("parseLimitSpec reads the forms of %threadpool limit", () => {
  assert.equal(parseLimitSpec(["4"]), 4);
  assert.equal(parseLimitSpec(["-1"]), -1);
  assert.deepEqual(parseLimitSpec(["blas=1", "openmp=2"]), { blas: 1, openmp: 2 });
  assert.deepEqual(parseLimitSpec(["blas=1,libgomp=2"]), { blas: 1, libgomp: 2 });
  assert.equal(parseLimitSpec(["sequential_blas_under_openmp"]), "sequential_blas_under_openmp");
});

test("parseLimitSpec errors say what was wrong and what to write", () => {
  assert.throws(() => parseLimitSpec([]), /limit needs a value: a number of threads/);
  assert.throws(() => parseLimitSpec(["0"]), /"0" is not a limit: use a number of threads/);
  assert.throws(() => parseLimitSpec(["four"]), /"four" is not a limit/);
  assert.throws(() => parseLimitSpec(["blas=x"]), /"blas=x" is not a selector=N pair: use .*blas=1 openmp=2/);
  assert.throws(() => parseLimitSpec(["4", "blas=1"]), /"4" is not a selector=N pair/);
});
