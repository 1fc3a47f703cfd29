import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { scopeArgs } from "../../kernel/cli/jupyter-paths";
import { checkKernelspec } from "../../kernel/cli/kernelspec-check";
import { type KernelJson, LAUNCHER, writeKernelspec } from "../../kernel/cli/kernelspec";

const tmp = mkdtempSync(join(tmpdir(), "threadlab-kernelspec-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A stand-in for bin/threadlab.js that prints the argv it was started with. */
function fakeEntry(dir: string): string {
  mkdirSync(join(dir, "bin"), { recursive: true });
  const entry = join(dir, "bin", "threadlab.js");
  writeFileSync(entry, "console.log(JSON.stringify(process.argv.slice(2)));\n");
  return entry;
}

function runLauncher(kernelDir: string, env: NodeJS.ProcessEnv = process.env) {
  return spawnSync("/bin/sh", [join(kernelDir, LAUNCHER), "--connection-file", "/tmp/c.json"], {
    encoding: "utf8",
    env,
  });
}

test("more than one scope is an error naming the scopes given", () => {
  assert.throws(() => scopeArgs({ user: true, sysPrefix: true }), /--user, --sys-prefix: choose one scope/);
  assert.throws(() => scopeArgs({ sysPrefix: true, prefix: "/x" }), /--sys-prefix, --prefix: choose one scope/);
  assert.deepEqual(scopeArgs({ prefix: "/x" }), ["--prefix", "/x"]);
  assert.deepEqual(scopeArgs({}), ["--user"]);
});

test("the launcher starts the recorded Node with the entry, even with quotes and spaces in the paths", () => {
  const dir = join(tmp, "it's a dir");
  const entry = fakeEntry(dir);
  const kernelDir = join(dir, "kernels", "threadlab");
  mkdirSync(kernelDir, { recursive: true });
  const spec = writeKernelspec(
    kernelDir,
    { version: "0", node: process.execPath, entry, repair: "threadlab install --user" },
    "T",
  );
  assert.deepEqual(spec.argv, ["/bin/sh", join(kernelDir, LAUNCHER), "--connection-file", "{connection_file}"]);
  const r = runLauncher(kernelDir);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), ["kernel", "--connection-file", "/tmp/c.json"]);
  assert.equal(r.stderr, "");
});

test("a relocatable kernelspec names its launcher through {resource_dir} and finds its entry relative to it", () => {
  const prefix = join(tmp, "prefix");
  const entry = fakeEntry(join(prefix, "share", "threadlab"));
  const kernelDir = join(prefix, "share", "jupyter", "kernels", "threadlab");
  mkdirSync(kernelDir, { recursive: true });
  const spec = writeKernelspec(
    kernelDir,
    { version: "0", node: "", entry: "../../../threadlab/bin/threadlab.js", repair: "pip install threadlab" },
    "T",
    true,
  );
  assert.equal(spec.argv[1], "{resource_dir}/launch.sh");
  const r = runLauncher(kernelDir);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), ["kernel", "--connection-file", "/tmp/c.json"]);
  const report = checkKernelspec(
    "threadlab",
    kernelDir,
    JSON.parse(readFileSync(join(kernelDir, "kernel.json"), "utf8")) as KernelJson,
  );
  assert.equal(report?.health, "ok");
  assert.equal(report?.entry, entry);
});

test("a launcher whose threadlab is gone says so and how to repair it", () => {
  const kernelDir = join(tmp, "gone", "kernels", "threadlab");
  mkdirSync(kernelDir, { recursive: true });
  writeKernelspec(
    kernelDir,
    {
      version: "0",
      node: process.execPath,
      entry: join(tmp, "nowhere", "bin", "threadlab.js"),
      repair: "threadlab install --user",
    },
    "T",
  );
  const r = runLauncher(kernelDir);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /threadlab: cannot start the kernel: .*nowhere\/bin\/threadlab\.js is gone .* then run: threadlab install --user/,
  );
  const report = checkKernelspec(
    "threadlab",
    kernelDir,
    JSON.parse(readFileSync(join(kernelDir, "kernel.json"), "utf8")) as KernelJson,
  );
  assert.equal(report?.health, "broken");
});

test("kernelspecs that are not threadlab's are left alone by doctor", () => {
  const spec = {
    argv: ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
    display_name: "Python 3",
    language: "python",
  } as unknown as KernelJson;
  assert.equal(checkKernelspec("python3", tmp, spec), undefined);
});
