import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { RawClient, repoRoot, resultText } from "./client";

// Each test uses a cache directory of its own, so it never sees (or breaks) the user's snapshot.
const cacheHome = mkdtempSync(join(tmpdir(), "threadlab-snapshot-test-"));
const env = { XDG_CACHE_HOME: cacheHome };
const launch = join(repoRoot, "dist", "kernel", "snapshot", "launch.js");

function blobPath(): string {
  const r = spawnSync(process.execPath, ["-p", `require(${JSON.stringify(launch)}).snapshotPath()`], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

function build(): void {
  const r = spawnSync(process.execPath, [launch, "--build"], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 300_000,
  });
  assert.equal(r.status, 0, `snapshot build failed: ${r.stderr}`);
}

async function waitFor(pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out; cache: ${readdirSync(join(cacheHome, "threadlab")).join(", ")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("startup snapshot", { timeout: 600_000 }, () => {
  let blob: string;
  const orphan = join(cacheHome, "threadlab", "kernel-v0.0.0-00000000-0000000000000000.blob");
  const alive = join(cacheHome, "threadlab", "kernel-v0.0.0-11111111-1111111111111111.blob");
  before(() => {
    blob = blobPath();
    // Blobs of other installations: one whose directory is gone, one whose directory is still there.
    mkdirSync(join(cacheHome, "threadlab"), { recursive: true });
    writeFileSync(orphan, "x");
    writeFileSync(`${orphan}.root`, join(cacheHome, "deleted-checkout"));
    writeFileSync(alive, "x");
    writeFileSync(`${alive}.root`, repoRoot);
    build();
  });
  after(() => rmSync(cacheHome, { recursive: true, force: true }));

  test("a build removes blobs of installations that are gone and keeps the others", () => {
    assert.ok(existsSync(blob) && existsSync(`${blob}.root`));
    assert.ok(!existsSync(orphan) && !existsSync(`${orphan}.root`), "the blob of a deleted checkout stayed");
    assert.ok(existsSync(alive), "the blob of a live installation was removed");
  });

  test("a kernel starts from the snapshot, and cells behave as without it", async () => {
    assert.ok(existsSync(blob));
    const cells = [
      "1 + 1",
      "const n: number = 1;\nconst s: string = n;",
      "import * as path from 'path'; path.basename('/a/b.txt')",
      "[process.argv[1].endsWith('bin/threadlab.js'), process.execArgv.some((a) => a.includes('snapshot')), typeof Buffer.from]",
      // node:crypto in the kernel and in worker threads: on Node 24 a snapshot holding crypto aborted the
      // process at the first worker that loaded it (build.ts).
      "import { createHash } from 'node:crypto'; createHash('sha256').update('threadlab').digest('hex').slice(0, 12)",
      "%parallel map (s: string) => require('node:crypto').createHash('sha256').update(s).digest('hex').slice(0, 6) ['a', 'b'] --workers 2 --no-progress",
    ];
    const run = async (extraEnv: Record<string, string>) => {
      const k = await RawClient.start({ env: { ...env, ...extraEnv }, readyTimeoutMs: 60_000 });
      try {
        const out: string[] = [];
        for (const code of cells) {
          const { reply, outputs } = await k.execute(code, {}, 60_000);
          out.push(
            reply.content.status === "ok"
              ? String(resultText(outputs))
              : `${reply.content.ename}: ${reply.content.evalue}`,
          );
        }
        await waitFor(
          () =>
            /started from the startup snapshot|\[threadlab\] TypeScript/.test(k.stderr) ||
            extraEnv.THREADLAB_SNAPSHOT === "0",
          30_000,
        );
        return { out, stderr: k.stderr };
      } finally {
        await k.close();
      }
    };
    const withSnapshot = await run({});
    const without = await run({ THREADLAB_SNAPSHOT: "0" });
    assert.match(withSnapshot.stderr, /started from the startup snapshot: (\d+) of its \1 declaration files reused/);
    assert.doesNotMatch(without.stderr, /startup snapshot/);
    assert.deepEqual(withSnapshot.out, without.out);
    assert.equal(withSnapshot.out[0], "2");
    assert.match(withSnapshot.out[1], /^TypeScriptError: .*Type 'number' is not assignable to type 'string'/);
    assert.equal(withSnapshot.out[2], "'b.txt'");
    assert.equal(withSnapshot.out[3], "[ true, false, 'function' ]");
    assert.equal(withSnapshot.out[4], "'34da8386c9f1'");
    assert.equal(withSnapshot.out[5], "[ 'ca9781', '3e23e8' ]");
    assert.doesNotMatch(withSnapshot.stderr, /marked bad|was refused/);
  });

  test("a snapshot whose kernel dies before it is ready: the same start gives a plain kernel, the blob is marked bad and not tried again", async () => {
    // A real blob of this Node that is accepted (it writes the `d` byte) and then aborts, as Node 24's did.
    const dir = mkdtempSync(join(tmpdir(), "threadlab-crashing-blob-"));
    const script = join(dir, "crash.js");
    writeFileSync(
      script,
      `require("node:v8").startupSnapshot.setDeserializeMainFunction(() => { require("node:fs").writeSync(3, "d"); process.abort(); });`,
    );
    const made = spawnSync(process.execPath, ["--snapshot-blob", blob, "--build-snapshot", script], {
      encoding: "utf8",
    });
    assert.equal(made.status, 0, made.stderr);
    rmSync(dir, { recursive: true, force: true });
    const start = () =>
      RawClient.start({ env: { ...env, THREADLAB_SNAPSHOT_BUILD_DELAY_MS: "0" }, readyTimeoutMs: 60_000 });
    const k = await start();
    try {
      const { reply, outputs } = await k.execute("20 + 22", {}, 60_000);
      assert.equal(reply.content.status, "ok");
      assert.equal(resultText(outputs), "42");
      assert.match(k.stderr, /died before it was ready \(SIGABRT\)/);
      assert.match(k.stderr, /marked bad/);
      assert.ok(existsSync(`${blob}.bad`), "no .bad marker");
      assert.ok(!existsSync(blob), "the bad blob was kept");
    } finally {
      await k.close();
    }
    const again = await start();
    try {
      assert.equal(resultText((await again.execute("'ok'", {}, 60_000)).outputs), "'ok'");
      // Neither tried nor rebuilt: the plain kernel's background build (delay 0) skips a key marked bad.
      await new Promise((r) => setTimeout(r, 3000));
      assert.doesNotMatch(again.stderr, /startup snapshot/);
      assert.ok(!existsSync(blob), "a blob marked bad was rebuilt");
    } finally {
      await again.close();
    }
    const doctor = spawnSync(process.execPath, [join(repoRoot, "bin", "threadlab.js"), "doctor"], {
      env: { ...process.env, ...env },
      encoding: "utf8",
    });
    assert.equal(doctor.status, 0, doctor.stderr);
    assert.match(doctor.stdout, /Startup snapshot: marked bad .*died before it was ready \(SIGABRT\).*delete .*\.bad/s);
    rmSync(`${blob}.bad`);
    build();
  });

  test("a snapshot kernel killed from outside before it is ready is a stop: no plain kernel, the blob kept and not marked bad", async () => {
    // A real blob that is accepted (`d`) and then killed with SIGKILL, as `kill -9` or the OOM killer would.
    const dir = mkdtempSync(join(tmpdir(), "threadlab-killed-blob-"));
    const script = join(dir, "killed.js");
    writeFileSync(
      script,
      `require("node:v8").startupSnapshot.setDeserializeMainFunction(() => { require("node:fs").writeSync(3, "d"); process.kill(process.pid, "SIGKILL"); });`,
    );
    const made = spawnSync(process.execPath, ["--snapshot-blob", blob, "--build-snapshot", script], {
      encoding: "utf8",
    });
    assert.equal(made.status, 0, made.stderr);
    const connection = join(dir, "connection.json");
    writeFileSync(
      connection,
      JSON.stringify({
        transport: "tcp",
        ip: "127.0.0.1",
        key: "k",
        signature_scheme: "hmac-sha256",
        shell_port: 0,
        iopub_port: 0,
        stdin_port: 0,
        control_port: 0,
        hb_port: 0,
      }),
    );
    try {
      const r = spawnSync(
        process.execPath,
        [join(repoRoot, "bin", "threadlab.js"), "kernel", "--connection-file", connection],
        {
          env: { ...process.env, ...env, THREADLAB_SNAPSHOT_BUILD_DELAY_MS: "0" },
          encoding: "utf8",
          timeout: 60_000,
        },
      );
      // The launcher ends as its kernel did, without starting a plain one.
      assert.equal(r.signal, "SIGKILL", `launcher: ${r.status} ${r.signal} ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /marked bad|was refused|without it/);
      assert.ok(!existsSync(`${blob}.bad`), "a blob killed from outside was marked bad");
      assert.ok(!existsSync(`${blob}.refused`), "a blob killed from outside was marked refused");
      assert.ok(existsSync(blob), "the blob was deleted");
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(blob, { force: true });
      build();
    }
  });

  test("a corrupt snapshot falls back to the plain kernel, is deleted and rebuilt in the background", async () => {
    writeFileSync(blob, "not a snapshot");
    const k = await RawClient.start({
      env: { ...env, THREADLAB_SNAPSHOT_BUILD_DELAY_MS: "0" },
      readyTimeoutMs: 60_000,
    });
    try {
      const { reply, outputs } = await k.execute("20 + 22", {}, 60_000);
      assert.equal(reply.content.status, "ok");
      assert.equal(resultText(outputs), "42");
      assert.match(k.stderr, /startup snapshot .* was refused/);
      // Rebuilt by a detached builder: a whole blob appears under the same name, and no temporary is left.
      await waitFor(() => existsSync(blob), 240_000);
      await waitFor(
        () => !readdirSync(join(cacheHome, "threadlab")).some((f) => f.endsWith(".tmp") || f.endsWith(".lock")),
        60_000,
      );
    } finally {
      await k.close();
    }
    const again = await RawClient.start({ env, readyTimeoutMs: 60_000 });
    try {
      const { outputs } = await again.execute("'ok'", {}, 60_000);
      assert.equal(resultText(outputs), "'ok'");
      // Logged after the warm-up, which may finish after the cell's reply.
      await waitFor(() => /started from the startup snapshot/.test(again.stderr), 30_000);
    } finally {
      await again.close();
    }
  });

  test("without a snapshot the kernel answers kernel_info at once and starts a build", async () => {
    rmSync(blob, { force: true });
    const k = await RawClient.start({
      env: { ...env, THREADLAB_SNAPSHOT_BUILD_DELAY_MS: "0" },
      readyTimeoutMs: 60_000,
    });
    try {
      assert.ok(k.readyAt - k.startedAt < 10_000, `kernel_info took ${k.readyAt - k.startedAt} ms`);
      const { outputs } = await k.execute("1 + 2", {}, 60_000);
      assert.equal(resultText(outputs), "3");
      await waitFor(() => existsSync(blob), 240_000);
    } finally {
      await k.close();
    }
  });
});
