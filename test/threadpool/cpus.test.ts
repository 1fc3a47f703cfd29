/** Effective CPU count and topology, read from fixture directories standing in for `/`. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { resolve } from "node:path";
import { cgroupCpuQuota, cpuReport, parseMaxCpus, physicalCores } from "../../kernel/threadpool/cpus";
import { fixtures } from "./native-libs";

const at = (name: string) => resolve(fixtures, name);
const machine = { logical: 16, affinity: 16, env: {} };

test("cgroup v2: a quota on a parent cgroup applies, rounded up", () => {
  const q = cgroupCpuQuota(at("cgroup-v2-nested"));
  assert.equal(q?.cpus, 1.5);
  assert.equal(q?.version, 2);
  assert.match(q!.file, /user\.slice\/cpu\.max$/);
  const r = cpuReport({ root: at("cgroup-v2-nested"), ...machine });
  assert.equal(r.effective, 2);
  assert.equal(r.effectiveSource, "cgroup");
});

test('cgroup v2: "max" everywhere means no quota', () => {
  assert.equal(cgroupCpuQuota(at("cgroup-v2-max")), null);
  assert.equal(cpuReport({ root: at("cgroup-v2-max"), ...machine }).effective, 16);
});

test("cgroup v2: without mountinfo the default mount point is used", () => {
  assert.equal(cgroupCpuQuota(at("cgroup-v2-own"))?.cpus, 2.5);
  assert.equal(cpuReport({ root: at("cgroup-v2-own"), ...machine }).effective, 3);
});

test("cgroup v1 in a container: the path is taken relative to the mount's root", () => {
  const q = cgroupCpuQuota(at("cgroup-v1-container"));
  assert.equal(q?.cpus, 0.5);
  assert.equal(q?.version, 1);
  // Half a CPU still needs one thread.
  assert.equal(cpuReport({ root: at("cgroup-v1-container"), ...machine }).effective, 1);
});

test("cgroup v1: an unlimited cgroup under a limited parent gets the parent's quota", () => {
  const q = cgroupCpuQuota(at("cgroup-v1-nested"));
  assert.equal(q?.cpus, 3);
  assert.match(q!.file, /cpu\/batch\/cpu\.cfs_quota_us$/);
});

test("no /proc at the root: no quota", () => {
  assert.equal(cgroupCpuQuota(at("topo-sys")), null);
});

test("the smallest of logical, affinity, quota and THREADLAB_MAX_CPUS wins, with its source", () => {
  const base = { root: at("cgroup-v1-nested"), logical: 16 };
  assert.deepEqual(
    [
      cpuReport({ ...base, affinity: 8, env: {} }),
      cpuReport({ ...base, affinity: 2, env: {} }),
      cpuReport({ ...base, affinity: 8, env: { THREADLAB_MAX_CPUS: "2" } }),
    ].map((r) => [r.effective, r.effectiveSource]),
    [
      [3, "cgroup"],
      [2, "affinity"],
      [2, "THREADLAB_MAX_CPUS"],
    ],
  );
  assert.equal(cpuReport({ root: at("cgroup-v2-max"), logical: 4, affinity: 6, env: {} }).effectiveSource, "logical");
});

test("THREADLAB_MAX_CPUS that is not a positive whole number is an error naming it", () => {
  for (const bad of ["0", "-1", "two", "1.5"]) {
    assert.throws(
      () => parseMaxCpus(bad),
      new RegExp(`THREADLAB_MAX_CPUS="${bad.replace(".", "\\.")}" is not valid: use a whole number`),
    );
  }
  assert.equal(parseMaxCpus(""), null);
  assert.equal(parseMaxCpus("12"), 12);
});

test("physical cores come from /proc/cpuinfo (packages × cores, without hyperthreads)", () => {
  assert.equal(physicalCores(at("topo-cpuinfo")), 4);
});

test("physical cores fall back to /sys topology when cpuinfo has no core ids", () => {
  assert.equal(physicalCores(at("topo-sys")), 2);
});

test("on this machine the report is consistent with Node's own numbers", () => {
  const r = cpuReport({ env: {} });
  assert.ok(r.effective >= 1 && r.effective <= r.logical && r.effective <= r.affinity);
  assert.ok(r.physical === null || (r.physical >= 1 && r.physical <= r.logical));
});
