/** `!cmd`, `%%bash`/`%%sh` and `%npm` in a real kernel: output streamed, failures as errors, interrupt. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { RawClient, resultText, streamText } from "./client";
import { kernelForSuite } from "./suite-kernel";

/** Whether a process runs: a zombie (killed, not yet reaped by an init that never reaps) does not. */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}

describe("shell commands from cells", () => {
  let k: RawClient;
  kernelForSuite((client) => (k = client));

  test("!cmd runs in the notebook's directory with $name from the notebook, other $VARS left to the shell", async () => {
    const { reply, outputs } = await k.execute(
      `const who = "threadlab"\nconst nums = [1, 2, 3]\n!echo hello $who $nums '$$HOME'; echo "$HOME"; pwd`,
    );
    assert.equal(reply.content.status, "ok");
    assert.equal(streamText(outputs), `hello threadlab 1 2 3 $HOME\n${homedir()}\n${k.dir}\n`);
  });

  test("!cmd lines run in order between TypeScript lines, and the cell's value comes after them", async () => {
    const { outputs } = await k.execute(`console.log("ts 1")\n!echo shell\nconsole.log("ts 2")\n40 + 2`);
    assert.equal(streamText(outputs), "ts 1\nshell\nts 2\n");
    assert.equal(resultText(outputs), "42");
  });

  test("a failing !cmd is the cell's error, shows its stderr, and stops the rest of the cell", async () => {
    const { reply, outputs } = await k.execute(`!ls /no/such/dir\nconsole.log("not reached")`);
    assert.equal(reply.content.status, "error");
    assert.equal(reply.content.ename, "ShellError");
    assert.match(String(reply.content.evalue), /^`ls \/no\/such\/dir` exited with status 2$/);
    assert.match(streamText(outputs, "stderr"), /No such file or directory/);
    assert.equal(streamText(outputs), "");
  });

  test("output streams while the command runs", async () => {
    const { outputs } = await k.execute(`!echo first; sleep 1; echo second`);
    const streams = outputs.filter((m) => m.header.msg_type === "stream").map((m) => String(m.content.text));
    assert.deepEqual(streams, ["first\n", "second\n"]);
  });

  test("%%bash runs the cell with bash: stdout and stderr apart; --out binds stdout to a typed variable", async () => {
    const r = await k.execute(`%%bash\nx=$((20 + 22))\necho "answer $x"\necho oops >&2`);
    assert.equal(streamText(r.outputs), "answer 42\n");
    assert.equal(streamText(r.outputs, "stderr"), "oops\n");
    await k.execute(`%%bash --out listing\nprintf 'a\\nb\\n'`);
    const v = await k.execute(`listing.split("\\n").filter(Boolean).length`);
    assert.equal(resultText(v.outputs), "2");
    const s = await k.execute(`%%sh\nexit 3`);
    assert.equal(s.reply.content.ename, "ShellError");
    assert.equal(s.reply.content.evalue, "the %%sh cell exited with status 3");
  });

  test("interrupt stops a running command and what it started; the kernel stays usable", async () => {
    const pidFile = join(k.dir, "child.pid");
    const { reply } = await k.submit(`!sleep 60 & echo $! > child.pid; wait`, {}, 20000);
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      try {
        if (readFileSync(pidFile, "utf8").trim()) break;
      } catch {
        /* not yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const pid = Number(readFileSync(pidFile, "utf8"));
    const t0 = Date.now();
    await k.request("control", "interrupt_request", {});
    const r = await reply;
    assert.equal(r.content.ename, "Interrupted");
    assert.ok(Date.now() - t0 < 5000, "the interrupt ended the cell promptly");
    await new Promise((res) => setTimeout(res, 300));
    assert.ok(!running(pid), "the background sleep was stopped with its shell");
    assert.equal(resultText((await k.execute("1 + 1")).outputs), "2");
  });
});

describe("%npm", () => {
  let k: RawClient;
  let tarball: string;
  before(async () => {
    k = await RawClient.start();
    // A package made here, packed as the registry would serve it: installs without the network.
    const src = join(k.dir, "pkg-src");
    mkdirSync(src);
    writeFileSync(
      join(src, "package.json"),
      JSON.stringify({ name: "threadlab-test-greet", version: "1.0.0", main: "index.js", types: "index.d.ts" }),
    );
    writeFileSync(join(src, "index.js"), `exports.greet = (name) => "hello " + name;\n`);
    writeFileSync(join(src, "index.d.ts"), `export declare function greet(name: string): string;\n`);
    const packed = spawnSync("npm", ["pack", "--silent", "--pack-destination", k.dir], { cwd: src, encoding: "utf8" });
    assert.equal(packed.status, 0, packed.stderr);
    tarball = join(k.dir, packed.stdout.trim());
  });
  after(async () => {
    await k.close();
  });

  test("%npm install puts a package in the notebook's directory; the next cell imports it with its types", async () => {
    const r = await k.execute(`%npm install ${tarball}`, {}, 120000);
    assert.equal(r.reply.content.status, "ok", JSON.stringify(r.reply.content));
    assert.match(streamText(r.outputs), /added 1 package/);
    assert.ok(JSON.parse(readFileSync(join(k.dir, "package.json"), "utf8")).dependencies["threadlab-test-greet"]);
    const use = await k.execute(`import { greet } from "threadlab-test-greet"\ngreet("notebook")`);
    assert.equal(resultText(use.outputs), "'hello notebook'");
    const typed = await k.execute(`greet(42)`);
    assert.equal(typed.reply.content.ename, "TypeScriptError", "the package's types are checked");
    const ls = await k.execute(`%npm ls`);
    assert.match(streamText(ls.outputs), /threadlab-test-greet@1\.0\.0/);
  });

  test("%npm install of a package that does not exist is an error naming it; the kernel lives", async () => {
    const r = await k.execute(`%npm install threadlab-no-such-package-7f3a9c`, {}, 120000);
    assert.equal(r.reply.content.status, "error");
    assert.match(
      String(r.reply.content.evalue),
      /^npm install threadlab-no-such-package-7f3a9c exited with status \d+$/,
    );
    assert.match(streamText(r.outputs, "stderr"), /threadlab-no-such-package-7f3a9c|E404|ENOTFOUND|EAI_AGAIN/);
    assert.equal(resultText((await k.execute("1 + 1")).outputs), "2");
  });

  test("an unknown %npm command suggests the closest", async () => {
    const r = await k.execute(`%npm instal lodash`);
    assert.equal(r.reply.content.ename, "MagicError");
    assert.match(String(r.reply.content.evalue), /unknown command "instal"\. Did you mean install/);
  });
});
