/**
 * The sidebar's Cluster section in a real JupyterLab: a real nats-server and two real agents (LocalCluster, the
 * code behind `threadlab cluster local`), the notebook's kernel connected with `%parallel cluster connect`.
 */
import { expect, test, type IJupyterLabPageFixture } from "@jupyterlab/galata";
import * as path from "node:path";

const IMAGES = path.resolve(__dirname, "..", "..", "docs", "images");
const panel = (page: IJupyterLabPageFixture) => page.locator("#threadlab-sidebar");

// The compiled module: it finds bin/threadlab.js relative to dist/.
const { LocalCluster } = require(
  path.resolve(__dirname, "..", "..", "dist", "kernel", "cluster", "local.js"),
) as typeof import("../../kernel/cluster/local");

async function run(page: IJupyterLabPageFixture, source: string, wait = true): Promise<string> {
  await page.notebook.setCell(0, "code", source);
  await page.notebook.runCell(0, { wait });
  return wait ? ((await page.notebook.getCellTextOutput(0)) ?? []).join("\n") : "";
}

test.describe("Thread pools sidebar: Cluster", () => {
  let cluster: InstanceType<typeof LocalCluster> | undefined;
  test.beforeAll(async () => {
    cluster = await LocalCluster.start({ agents: 2, workers: 2 });
  });
  test.afterAll(async () => {
    await cluster?.stop();
  });

  test("shows the connected cluster's two nodes, busy during a map, and nothing once disconnected", async ({
    page,
  }) => {
    await page.notebook.createNew("cluster.ipynb", { kernel: "threadlab" });
    await page.evaluate(() =>
      (
        window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }
      ).jupyterapp.commands.execute("threadlab:show-thread-pools"),
    );
    await expect(panel(page).locator(".tl-view")).toHaveAttribute("data-state", "connected", { timeout: 60000 });
    await expect(panel(page).locator("[data-section=utilization]")).toBeVisible();
    await expect(panel(page).locator("[data-section=cluster]")).toHaveCount(0);

    await run(page, `%parallel cluster connect ${cluster!.url}`);
    const section = panel(page).locator("[data-section=cluster]");
    await expect(section.getByTestId("tl-cluster-headline")).toContainText("2 nodes · 4 workers", { timeout: 30000 });
    await expect(section.locator("[data-node=agent-1]")).toContainText("2 workers");
    await expect(section.locator("[data-node=agent-2]")).toContainText("2 workers");
    await expect(section.locator("[data-node=agent-1] .tl-meter")).toHaveCount(2);

    await run(
      page,
      `import { share } from "threadlab";
const w = share({ v: new Float64Array(1000).fill(1) }, { name: "weights" });
const spin = (x: number, m: { v: Float64Array }) => { const end = Date.now() + 25; let s = 0; while (Date.now() < end) s += m.v[x % 1000]; return s; };`,
    );
    await run(page, `%parallel map spin "Array.from({ length: 600 }, (_, i) => i)" --model w --cluster`, false);
    await expect(section.locator(".tl-wstate-busy").first()).toBeVisible({ timeout: 30000 });
    await expect(section.getByTestId("tl-cluster-headline")).toContainText("1 map running");
    await expect(section.locator(".tl-node-models").first()).toContainText("weights", { timeout: 30000 });
    await page.sidebar.setWidth(300, "right");
    await section.scrollIntoViewIfNeeded();
    await section.screenshot({ path: path.join(IMAGES, "sidebar-cluster.png") });
    // At the panel's default width nothing in a node's line is cut off: every line fits the section.
    const { sectionWidth, widest } = await section.evaluate((el) => ({
      sectionWidth: el.clientWidth,
      widest: Math.max(...[...el.querySelectorAll(".tl-node > div")].map((d) => d.scrollWidth)),
    }));
    expect(widest).toBeLessThanOrEqual(sectionWidth);
    await page.notebook.waitForRun(0);
    await expect(section.locator("[data-testid=tl-node-throughput]").first()).toContainText(/items/);

    await run(page, "%parallel cluster disconnect");
    await expect(panel(page).locator("[data-section=cluster]")).toHaveCount(0, { timeout: 10000 });
  });
});
