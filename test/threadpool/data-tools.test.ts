import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { completeUpdate, PROTOCOL_VERSION, type KernelMessage, type Update } from "../../schema/sidebar";
import { RawClient, repoRoot, resultText, streamText } from "../kernel/client";
import { kernelForSuite } from "../kernel/suite-kernel";

/**
 * DuckDB (@duckdb/node-api) and Polars (nodejs-polars) through the real kernel, with the real packages from
 * devDependencies: found once loaded, limited and restored, counted by the doctor, and never multiplied
 * past the CPUs inside a %parallel map.
 */

const READ_THREADS =
  "async function duckThreads(db: any): Promise<number> {\n" +
  "  const c = await db.connect();\n" +
  "  try { return Number((await c.runAndReadAll(\"SELECT current_setting('threads')\")).getRowsJS()[0][0]); }\n" +
  "  finally { c.disconnectSync(); }\n" +
  "}";

async function value(k: RawClient, code: string): Promise<string> {
  const { reply, outputs } = await k.execute(code);
  assert.equal(reply.content.status, "ok", `${code}\n→ ${JSON.stringify(reply.content)}`);
  return resultText(outputs) ?? "";
}

async function pools(k: RawClient): Promise<Array<Record<string, unknown>>> {
  const { outputs } = await k.execute("%threadpool info --json");
  const result = outputs.find((m) => m.header.msg_type === "execute_result")!;
  return (result.content.data as Record<string, { pools: Array<Record<string, unknown>> }>)["application/json"].pools;
}

describe("DuckDB in the kernel", () => {
  let k: RawClient;
  let cpus = 0;
  kernelForSuite({ cwd: repoRoot }, async (client) => {
    k = client;
    await value(k, `const { DuckDBInstance } = require("@duckdb/node-api");\n${READ_THREADS}`);
    // Opened before any %threadpool call: the load watch must still know it.
    await value(k, "const db = await DuckDBInstance.create(':memory:');");
    cpus = Number(await value(k, "await duckThreads(db)"));
  });

  test("info lists DuckDB once it is loaded, with its version, threads and scope", async () => {
    assert.ok(cpus >= 1);
    const duck = (await pools(k)).find((p) => p.userApi === "duckdb");
    assert.ok(duck, "duckdb should be listed");
    assert.equal(duck.numThreads, cpus);
    assert.equal(duck.settable, true);
    assert.match(String(duck.version), /^v\d+\.\d+/);
    assert.match(String((duck.notes as string[])[0]), /per database instance/);
  });

  test("a DuckDB result as a cell's last value renders as the kernel's HTML table", async () => {
    const { outputs } = await k.execute(
      "await (await db.connect()).runAndReadAll(\"SELECT range AS i, 'r' || range AS s FROM range(75)\")",
    );
    const data = outputs.find((m) => m.header.msg_type === "execute_result")!.content.data as Record<string, string>;
    assert.match(data["text/html"], /<table class="dataframe"><caption>75 rows × 2 columns<\/caption>/);
    assert.match(data["text/html"], /<td>r49<\/td>/);
    assert.doesNotMatch(data["text/html"], /<td>r50<\/td>/);
    assert.match(data["text/plain"], /^DuckDB DuckDBResultReader: 75 rows × 2 columns\ni +s/);
  });

  test("%threadpool limit duckdb=1 sets the live instance and new ones; reset restores both", async () => {
    const set = await k.execute("%threadpool limit duckdb=1");
    assert.match(streamText(set.outputs), /duckdb: \? → 1/);
    assert.equal(await value(k, "await duckThreads(db)"), "1");
    await value(k, "const db2 = await DuckDBInstance.create(':memory:');");
    assert.equal(await value(k, "await duckThreads(db2)"), "1");
    assert.equal(await value(k, "await duckThreads(await DuckDBInstance.create(':memory:', { threads: '2' }))"), "2");
    const reset = await k.execute("%threadpool reset");
    assert.match(streamText(reset.outputs), /restored 1 limit/);
    assert.equal(await value(k, "[await duckThreads(db), await duckThreads(db2)].join(',')"), `'${cpus},${cpus}'`);
  });

  test("%%threadpool limit duckdb=1 holds for that cell only", async () => {
    assert.equal(await value(k, "%%threadpool limit duckdb=1\nawait duckThreads(db)"), "1");
    assert.equal(await value(k, "await duckThreads(db)"), String(cpus));
  });

  test("`using` threadpool.limits({ duckdb: 1 }) restores at the end of the block", async () => {
    const seen = await value(
      k,
      `import { threadpool } from "threadlab";\nconst seenDuck: number[] = [];\n` +
        `{\n  using lim = threadpool.limits({ duckdb: 1 });\n  seenDuck.push(await duckThreads(db));\n}\n` +
        `seenDuck.push(await duckThreads(db));\nseenDuck.join(",")`,
    );
    assert.equal(seen, `'1,${cpus}'`);
  });

  test("a map's workers open DuckDB with the backend threads, not one per CPU", async () => {
    const { reply, outputs } = await k.execute(
      "%%parallel map [1, 2, 3, 4] --workers 2\n" +
        'const { DuckDBInstance } = require("@duckdb/node-api");\n' +
        "const wdb = await DuckDBInstance.create(':memory:');\n" +
        "const c = await wdb.connect();\n" +
        "Number((await c.runAndReadAll(\"SELECT current_setting('threads')\")).getRowsJS()[0][0])",
    );
    assert.equal(reply.content.status, "ok", JSON.stringify(reply.content));
    const expected = Math.max(Math.floor(cpus / 2), 1);
    assert.equal(resultText(outputs), `[ ${[1, 2, 3, 4].map(() => expected).join(", ")} ]`);
    assert.doesNotMatch(streamText(outputs, "stderr"), /Oversubscribed/);
  });

  test("the sidebar lists DuckDB as settable, and set_limit duckdb=1 reaches the live instance", async () => {
    const { update, reply } = await sidebarAfter(k, { type: "set_limit", controller: "duckdb", value: 1 });
    assert.equal(reply?.type, "ack", JSON.stringify(reply));
    const duck = update.threadpools.find((p) => p.id === "duckdb");
    assert.ok(duck, "duckdb should be in the sidebar's pools");
    assert.equal(duck.set, true);
    assert.equal(duck.n, 1);
    assert.equal(duck.src, "sidebar");
    assert.equal(await value(k, "await duckThreads(db)"), "1");
    const reset = await sidebarAfter(k, { type: "reset" });
    assert.equal(reset.reply?.type, "ack");
    assert.equal(await value(k, "await duckThreads(db)"), String(cpus));
  });

  test("doctor counts DuckDB per worker and names it when a limit oversubscribes", async () => {
    await value(k, "%threadpool limit duckdb=-1");
    try {
      const { outputs } = await k.execute("%threadpool doctor");
      const text = resultText(outputs)!;
      assert.match(text, new RegExp(`Compute threads: ${2 * cpus} in a running map`));
      assert.match(text, /WARNING: Oversubscribed[^\n]*most per worker: duckdb[^\n]*%threadpool limit duckdb=/);
      const map = await k.execute(
        "%%parallel map [1, 2] --workers 2\n" +
          'const { DuckDBInstance } = require("@duckdb/node-api");\n' +
          "const c = await (await DuckDBInstance.create(':memory:')).connect();\n" +
          "Number((await c.runAndReadAll(\"SELECT current_setting('threads')\")).getRowsJS()[0][0])",
      );
      assert.equal(resultText(map.outputs), `[ ${cpus}, ${cpus} ]`);
      assert.match(streamText(map.outputs, "stderr"), /⚠ Oversubscribed[^\n]*duckdb/);
    } finally {
      await value(k, "%threadpool reset");
    }
  });
});

/** The sidebar's view (its comm, raw): the latest whole update, and a request answered by ack or error. */
async function sidebarAfter(
  k: RawClient,
  request?: Record<string, unknown>,
): Promise<{ update: Update; reply?: KernelMessage }> {
  const comm = `data-tools-${Math.random().toString(36).slice(2)}`;
  const received = () =>
    k.iopubMessages
      .filter((m) => m.header.msg_type === "comm_msg" && m.content.comm_id === comm)
      .map((m) => m.content.data as KernelMessage);
  const waitFor = async <T>(what: string, f: () => T | undefined): Promise<T> => {
    for (const deadline = Date.now() + 8000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
      const v = f();
      if (v !== undefined) return v;
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const send = (data: Record<string, unknown>) =>
    k.send("shell", k.message("comm_msg", { comm_id: comm, data: { v: PROTOCOL_VERSION, ...data } }));
  await k.send("shell", k.message("comm_open", { comm_id: comm, target_name: "threadlab", data: {} }));
  await waitFor("hello", () => received().find((m) => m.type === "hello"));
  let reply: KernelMessage | undefined;
  if (request) {
    await send({ id: "r1", ...request });
    reply = await waitFor("the reply", () =>
      received().find((m) => (m.type === "ack" || m.type === "error") && m.id === "r1"),
    );
  }
  await send({ id: "s1", type: "subscribe", rate: 10 });
  const update = await waitFor("an update", () => {
    let prev: Update | null = null;
    for (const m of received()) if (m.type === "update") prev = completeUpdate(m, prev);
    return prev ?? undefined;
  });
  await k.send("shell", k.message("comm_close", { comm_id: comm, data: {} }));
  return { update, reply };
}

describe("Polars in the kernel", () => {
  let k: RawClient;
  kernelForSuite({ cwd: repoRoot }, async (client) => {
    k = client;
    await value(
      k,
      `import { threadpool } from "threadlab";\nconst pl = require("nodejs-polars");\n` +
        `const { execFileSync } = require("node:child_process");\n` +
        // Polars starts its pool at the first computation: a group-by makes sure it has.
        `const df = pl.DataFrame({ k: ["a", "b", "a"], v: [1, 2, 3] });\n` +
        `String(df.groupBy("k").agg(pl.col("v").sum()).sort("k").getColumn("v").toArray())`,
    );
  });

  test("a Polars DataFrame works in the kernel and info reports its process-wide pool as read-only", async () => {
    assert.equal(
      await value(k, `String(df.groupBy("k").agg(pl.col("v").sum()).sort("k").getColumn("v").toArray())`),
      "'4,2'",
    );
    const polars = (await pools(k)).find((p) => p.userApi === "polars");
    assert.ok(polars, "polars should be listed");
    assert.equal(polars.settable, false);
    assert.equal(polars.scope, "startup");
    assert.equal(polars.version, "0.25.2");
    assert.ok(Number(polars.numThreads) >= 1);
    const limit = await k.execute("%threadpool limit polars=1");
    assert.match(streamText(limit.outputs), /polars: not changed \(process-wide pool of \d+ threads, fixed/);
    await value(k, "%threadpool reset");
    const { update } = await sidebarAfter(k);
    const inSidebar = update.threadpools.find((p) => p.id === "polars");
    assert.equal(inSidebar?.set, false);
    assert.match(inSidebar?.ro ?? "", /process-wide pool/);
  });

  test("a child process gets POLARS_MAX_THREADS from childEnv() and starts its pool with it", async () => {
    const child =
      "execFileSync(process.execPath, ['-e', " +
      JSON.stringify(
        "const pl = require('nodejs-polars'); pl.DataFrame({ k: [1, 2], v: [3, 4] }).groupBy('k').agg(pl.col('v').sum());" +
          "const fs = require('fs'); const n = fs.readdirSync('/proc/self/task').filter((t) => " +
          "/^polars-/.test(fs.readFileSync('/proc/self/task/' + t + '/comm', 'utf8'))).length;" +
          "console.log(process.env.POLARS_MAX_THREADS + ' ' + n)",
      ) +
      "], { env: threadpool.childEnv(), cwd: process.cwd() }).toString().trim()";
    assert.equal(
      await value(
        k,
        `let childOut = "";\n{\n  using lim = threadpool.limits({ polars: 1 });\n  childOut = ${child};\n}\nchildOut`,
      ),
      "'1 1'",
    );
    // Outside the limit a child gets the per-worker default only while a pool exists; the user's own value wins.
    assert.equal(await value(k, `threadpool.childEnv({ POLARS_MAX_THREADS: "3" }).POLARS_MAX_THREADS`), "'3'");
  });

  test("a map beside a full-size Polars pool says on its first progress line that it oversubscribes, and how to fix it", async () => {
    const polars = (await pools(k)).find((p) => p.userApi === "polars")!;
    // Polars started in the kernel with one thread per CPU (nothing limited it): with 2 workers that is too many.
    assert.ok(Number(polars.numThreads) >= 2, `this test needs ≥ 2 CPUs; Polars has ${polars.numThreads}`);
    const { outputs } = await k.execute("%%parallel map [1, 2] --workers 2\nitem");
    assert.match(streamText(outputs, "stderr"), /⚠ Oversubscribed by Polars[^\n]*POLARS_MAX_THREADS=\d/);
    // Without progress the warning is still said, once.
    const quiet = await k.execute("%%parallel map [1, 2] --workers 2 --no-progress\nitem");
    assert.equal(resultText(quiet.outputs), "[ 1, 2 ]");
    assert.equal(streamText(quiet.outputs, "stderr").match(/⚠ Oversubscribed by Polars/g)?.length, 1);
  });
});

describe("Polars loaded by a map's workers", () => {
  let k: RawClient;
  kernelForSuite({ cwd: repoRoot }, (client) => {
    k = client;
  });

  test("the kernel sets POLARS_MAX_THREADS before Polars starts, so its shared pool fits beside the workers", async () => {
    const { reply, outputs } = await k.execute(
      "%%parallel map [1, 2] --workers 2\n" +
        'const pl = require("nodejs-polars");\n' +
        'pl.DataFrame({ k: ["a", "b"], v: [1, 2] }).groupBy("k").agg(pl.col("v").sum());\n' +
        'const fs = require("fs");\n' +
        "fs.readdirSync('/proc/self/task').filter((t: string) => /^polars-/.test(fs.readFileSync(`/proc/self/task/${t}/comm`, 'utf8'))).length",
    );
    assert.equal(reply.content.status, "ok", JSON.stringify(reply.content));
    const backend = Number(
      await value(k, `import { threadpool } from "threadlab";\nthreadpool.config().backendThreads.value`),
    );
    assert.equal(resultText(outputs), `[ ${backend}, ${backend} ]`);
    assert.equal(await value(k, "process.env.POLARS_MAX_THREADS"), `'${backend}'`);
    assert.doesNotMatch(streamText(outputs, "stderr"), /Oversubscribed/);
  });
});
