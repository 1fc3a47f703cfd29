import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RawClient, repoRoot, resultText, streamText } from "../kernel/client";
import { kernelForSuite } from "../kernel/suite-kernel";
import { OPENBLAS_PTHREAD } from "./native-libs";

/** %threadpool through the real kernel, with Debian's OpenBLAS (pthreads) loaded by a cell through koffi. */
describe("%threadpool in a notebook", () => {
  let k: RawClient;
  // A notebook beside node_modules with koffi.
  kernelForSuite({ cwd: repoRoot }, async (client) => {
    k = client;
    const { reply } = await k.execute(
      `const koffi = require("koffi");\nconst blas = koffi.load(${JSON.stringify(OPENBLAS_PTHREAD)});\n` +
        `const blasThreads = blas.func("int openblas_get_num_threads()");\nblasThreads()`,
    );
    assert.equal(reply.content.status, "ok", JSON.stringify(reply.content));
  });

  const threads = async () => Number(resultText((await k.execute("blasThreads()")).outputs));

  test("info lists libuv, V8 and the loaded OpenBLAS with its threading layer", async () => {
    const { reply, outputs } = await k.execute("%threadpool info");
    assert.equal(reply.content.status, "ok");
    const text = resultText(outputs)!;
    for (const name of ["libuv", "v8", "openblas", "pthreads"]) assert.match(text, new RegExp(name));
    const json = outputs.find((m) => m.header.msg_type === "execute_result")!.content.data as Record<
      string,
      { pools: Array<{ internalApi: string }> }
    >;
    assert.ok(json["application/json"].pools.some((p) => p.internalApi === "openblas"));
  });

  test("%%threadpool limit holds for exactly that cell, also when the cell fails or is interrupted", async () => {
    const before = await threads();
    assert.ok(before >= 2, `OpenBLAS should start with ≥ 2 threads here, got ${before}`);
    const inside = await k.execute("%%threadpool limit blas=1\nblasThreads()");
    assert.equal(resultText(inside.outputs), "1");
    assert.equal(await threads(), before);

    const failing = await k.execute("%%threadpool limit blas=1\nthrow new Error('inside the limit')");
    assert.equal(failing.reply.content.status, "error");
    assert.equal(failing.reply.content.evalue, "inside the limit");
    assert.equal(await threads(), before);

    const { reply } = await k.submit("%%threadpool limit blas=1\nwhile (true) {}");
    await new Promise((r) => setTimeout(r, 400));
    await k.request("control", "interrupt_request", {});
    assert.equal((await reply).content.ename, "Interrupted");
    assert.equal(await threads(), before);
  });

  test("%threadpool limit persists until %threadpool reset", async () => {
    const before = await threads();
    const set = await k.execute("%threadpool limit blas=1");
    assert.match(streamText(set.outputs), /limits set:[\s\S]*openblas[\s\S]*→ 1/);
    assert.equal(await threads(), 1);
    assert.equal(await threads(), 1);
    const reset = await k.execute("%threadpool reset");
    assert.match(streamText(reset.outputs), /restored 1 limit/);
    assert.equal(await threads(), before);
  });

  test("doctor --json is a report object; bad input is a clear error", async () => {
    const doc = await k.execute("%threadpool doctor --json");
    const data = doc.outputs.find((m) => m.header.msg_type === "execute_result")!.content.data as Record<
      string,
      Record<string, unknown>
    >;
    assert.ok("config" in data["application/json"] && "cpus" in data["application/json"]);
    const bad = await k.execute("%threadpool limit blas=many");
    assert.equal(bad.reply.content.status, "error");
    assert.match(String(bad.reply.content.evalue), /blas=many/);
    const unknown = await k.execute("%threadpool frobnicate");
    assert.match(
      String(unknown.reply.content.evalue),
      /unknown subcommand "frobnicate"; use one of info, limit, reset, doctor/,
    );
    assert.equal((await k.execute("1")).reply.content.status, "ok");
  });
});
