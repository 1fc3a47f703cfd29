/**
 * The panel's advice when the threadlab kernel is not listed (extension/src/components/install-advice.ts), run
 * as written (`npx threadlab` being this checkout's bin/threadlab.js) and checked with Jupyter's own kernelspec
 * lookup: from the Jupyter of a virtualenv that is not on PATH, the case where `--sys-prefix` alone misses.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { INSTALL_KERNEL } from "../../extension/src/components/install-advice";
import { repoRoot } from "../kernel/client";
import { skipWithoutJupyter, venvBin } from "../kernel/jupyter-server";

const tmp = mkdtempSync(join(tmpdir(), "threadlab-advice-"));
const venv = join(tmp, "venv");
/** No kernelspec of the user's own: each test's install is the only threadlab kernel outside the venvs. */
const userData = join(tmp, "user-data");
const env = { ...process.env, JUPYTER_DATA_DIR: userData, JUPYTER_PATH: "" };

/** Runs one of the panel's commands, with VENV standing for `venv`; no snapshot (that is not what is tested). */
function runAdvice(command: string): string {
  const words = command.replaceAll("VENV", venv).split(" ");
  assert.deepEqual(words.slice(0, 2), ["npx", "threadlab"], command);
  return execFileSync(process.execPath, [join(repoRoot, "bin", "threadlab.js"), ...words.slice(2), "--no-snapshot"], {
    encoding: "utf8",
    env,
  });
}

/** Where the Jupyter that `python` runs finds the kernelspec `threadlab`, and its display name. */
function threadlabSpec(python: string): { dir: string; displayName: string } {
  const code =
    "import json; from jupyter_client.kernelspec import KernelSpecManager as M; m = M(); " +
    "d = m.find_kernel_specs().get('threadlab'); " +
    "print(json.dumps({'dir': d, 'displayName': d and m.get_kernel_spec('threadlab').display_name}))";
  return JSON.parse(execFileSync(python, ["-c", code], { encoding: "utf8", env })) as {
    dir: string;
    displayName: string;
  };
}

describe("the panel's advice when the threadlab kernel is not listed", { skip: skipWithoutJupyter }, () => {
  before(() => {
    // A virtualenv with Jupyter in it that is not on PATH (as when JupyterLab was started as VENV/bin/jupyter
    // lab): its Python sees the test venv's packages through a .pth file, so Jupyter's lookup is the real one
    // while its sys.prefix, where a --sys-prefix kernelspec goes, is VENV.
    execFileSync(join(venvBin, "python"), ["-m", "venv", "--without-pip", venv]);
    const site = (python: string) =>
      execFileSync(python, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], {
        encoding: "utf8",
      }).trim();
    writeFileSync(join(site(join(venv, "bin", "python")), "test-venv.pth"), site(join(venvBin, "python")) + "\n");
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test("`--user` installs a kernel that the Jupyter of a virtualenv lists", () => {
    mkdirSync(userData, { recursive: true });
    try {
      runAdvice(INSTALL_KERNEL.user);
      assert.deepEqual(threadlabSpec(join(venv, "bin", "python")), {
        dir: join(userData, "kernels", "threadlab"),
        displayName: "TypeScript (threadlab)",
      });
    } finally {
      rmSync(userData, { recursive: true, force: true });
    }
  });

  test("`--sys-prefix --python VENV/bin/python` installs into that environment, whose Jupyter lists it", () => {
    assert.equal(threadlabSpec(join(venv, "bin", "python")).dir, null, "no threadlab kernel in the new venv yet");
    runAdvice(INSTALL_KERNEL.venv);
    assert.deepEqual(threadlabSpec(join(venv, "bin", "python")), {
      dir: join(venv, "share", "jupyter", "kernels", "threadlab"),
      displayName: "TypeScript (threadlab)",
    });
  });
});
