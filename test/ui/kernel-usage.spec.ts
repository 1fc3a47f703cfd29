/**
 * JupyterLab's Kernel Usage panel (pip `jupyter-resource-usage`) against a threadlab kernel in a real
 * JupyterLab. The panel asks its server extension every 5 s, which sends the kernel `usage_request` on a
 * control connection of its own and gives up after 10 s ("Timed out in: 10000 ms", the figures greyed). With
 * ipykernel a control thread answers while a cell runs; threadlab's figures must come just as well while a
 * cell keeps the main thread in a synchronous loop.
 */
import { expect, test, type IJupyterLabPageFixture } from "@jupyterlab/galata";

/** The kernelspec under test: scripts/test.mjs also runs the UI tests against another Node line's kernelspec. */
const KERNEL = process.env.THREADLAB_KERNEL_NAME ?? "threadlab";
const panel = (page: IJupyterLabPageFixture) => page.locator("#kernelusage-panel-id");

// galata mocks the current user by routing every URL that matches /.*\/api\/me.*/ to a fake identity, and
// /api/metrics/v1/kernel_usage/… matches: with the mock the panel gets that identity as its reply and shows
// every figure empty, for any kernel (python3 too). The panel needs the real server's answers.
test.use({ mockUser: false });

async function execute(page: IJupyterLabPageFixture, command: string) {
  await page.evaluate(
    (id) =>
      (window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }).jupyterapp.commands
        .execute(id)
        .then(() => undefined), // the panel widget it returns cannot be serialized back
    command,
  );
}

/** The panel's last reply: when it came ("Timestamp:", the browser's clock to the second) and the kernel's CPU. */
async function lastReply(page: IJupyterLabPageFixture): Promise<{ at: number; cpu: number }> {
  const text = await panel(page).innerText();
  const at = /^Timestamp: (.+)$/m.exec(text)?.[1];
  const cpu = /^CPU: ([\d.]+)$/m.exec(text)?.[1];
  return { at: at ? new Date(at).getTime() : NaN, cpu: cpu ? Number(cpu) : NaN };
}

test.describe("Kernel Usage panel", () => {
  test("shows the kernel's host, CPU and memory while a synchronous cell runs", async ({ page }) => {
    await page.notebook.createNew("usage.ipynb", { kernel: KERNEL });
    await expect(page.locator(".jp-Notebook")).toBeVisible();
    // The main thread spins and reads nothing for 30 s.
    await page.notebook.setCell(0, "code", `const t0 = Date.now();\nwhile (Date.now() - t0 < 30_000) {}\n"loop done"`);
    await page.notebook.runCell(0, { wait: false });
    const cell = page.locator(".jp-Notebook .jp-Cell").first();
    await expect(cell.locator(".jp-InputPrompt")).toHaveText("[*]:");
    const loopStarted = Date.now();

    // As a user opens it: the palette command adds the panel to the right sidebar, its tab shows it.
    await execute(page, "kernel-usage:get");
    await page.sidebar.openTab("kernelusage-panel-id");
    await expect(panel(page)).toBeVisible();
    // A reply that came well inside the loop (the panel asks every 5 s): none does unless the kernel answers
    // from a thread of its own. Its CPU figure is measured in the loop, a spinning core's (~100 %, less on a
    // loaded machine); the reply the panel got before the loop says 0 (no interval yet).
    await expect.poll(async () => (await lastReply(page)).at - loopStarted, { timeout: 45_000 }).toBeGreaterThan(6_000);
    await expect(cell.locator(".jp-InputPrompt"), "the reply came only after the loop").toHaveText("[*]:", {
      timeout: 1_000,
    });
    expect((await lastReply(page)).cpu).toBeGreaterThan(30);
    await expect(panel(page)).not.toContainText("Timed out");
    await expect(panel(page)).toContainText(/Kernel Host: \S+/);
    await expect(panel(page)).toContainText(/Process ID: \d+/);
    await expect(panel(page)).toContainText(/Memory: [1-9]\d*\.\d\d (KB|MB|GB)/);
    await expect(panel(page)).toContainText(/\d+\.\d% used on \d+ CPUs?/);
    await expect(panel(page)).toContainText(/Total: [1-9]\d*\.\d\d (MB|GB|TB)/);
    await expect(panel(page)).toContainText(/Available: [1-9]\d*\.\d\d (KB|MB|GB|TB)/);
    // Not interrupted (galata's kernels mock fails on the interrupt's empty 204 answer): the loop ends itself.
    await expect(cell.locator(".jp-OutputArea-output")).toContainText("loop done", { timeout: 60_000 });
  });
});
