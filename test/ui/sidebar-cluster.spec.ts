/**
 * The sidebar's Cluster section in a real JupyterLab: a real nats-server and two real agents (LocalCluster, the
 * code behind `threadlab cluster local`), the notebook's kernel connected with `%parallel cluster connect`.
 */
import { expect, test, type IJupyterLabPageFixture } from "@jupyterlab/galata";
import type { Locator } from "@playwright/test";
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

/** A new threadlab notebook with the sidebar open and attached to its kernel. */
async function openWithPanel(page: IJupyterLabPageFixture, name: string): Promise<void> {
  await page.notebook.createNew(name, { kernel: "threadlab" });
  await page.evaluate(() =>
    (
      window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }
    ).jupyterapp.commands.execute("threadlab:show-thread-pools"),
  );
  await expect(panel(page).locator(".tl-view")).toHaveAttribute("data-state", "connected", { timeout: 60000 });
}

/** Screenshots `section` into docs/images and checks that each of its `parts` fits its width. */
async function screenshotFitting(section: Locator, file: string, parts: string): Promise<void> {
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: path.join(IMAGES, file) });
  const { sectionWidth, widest } = await section.evaluate(
    (el, sel) => ({
      sectionWidth: el.clientWidth,
      widest: Math.max(...[...el.querySelectorAll(sel)].map((d) => d.scrollWidth)),
    }),
    parts,
  );
  expect(widest).toBeLessThanOrEqual(sectionWidth);
}

/** A new notebook, the panel at its default width, connected to the cluster at `url` once `headline` shows. */
async function connectAt300px(page: IJupyterLabPageFixture, name: string, url: string, headline: string) {
  await openWithPanel(page, name);
  await page.sidebar.setWidth(300, "right");
  await run(page, `%parallel cluster connect ${url}`);
  await expect(panel(page).getByTestId("tl-cluster-headline")).toContainText(headline, { timeout: 60000 });
}

/** Runs `spin` (busy for `ms` per item) over `n` items on the connected cluster, and waits for the cell. */
async function runClusterMap(page: IJupyterLabPageFixture, n: number, ms: number): Promise<void> {
  await run(
    page,
    `const spin = (x: number) => { const end = Date.now() + ${ms}; while (Date.now() < end); return x };
%parallel map spin "Array.from({ length: ${n} }, (_, i) => i)" --cluster --no-progress --out spun`,
  );
}

/** Every one of `n` items is in a cluster bar, once (the last batch's bars come with the next update). */
async function expectItemsInBars(timeline: Locator, n: number): Promise<void> {
  await expect
    .poll(
      () =>
        timeline
          .locator("[data-testid=tl-chunk][data-node]")
          .evaluateAll((rects) => rects.reduce((sum, r) => sum + Number(r.getAttribute("data-items")), 0)),
      { timeout: 15000 },
    )
    .toBe(n);
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
    await openWithPanel(page, "cluster.ipynb");
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
    // While batches run, a node's own lane (slot -1) has an open running bar, before any of its chunks finish.
    await expect(
      panel(page).locator('[data-section=timeline] [data-testid=tl-chunk][data-running=true][data-slot="-1"]').first(),
    ).toBeAttached({ timeout: 30000 });
    await expect(section.locator(".tl-node-models").first()).toContainText("weights", { timeout: 30000 });
    await page.sidebar.setWidth(300, "right");
    // At the panel's default width nothing in a node's line is cut off: every line fits the section.
    await screenshotFitting(section, "sidebar-cluster.png", ".tl-node > div");
    await page.notebook.waitForRun(0);
    await expect(section.locator("[data-testid=tl-node-throughput]").first()).toContainText(/items/);

    await run(page, "%parallel cluster disconnect");
    await expect(panel(page).locator("[data-section=cluster]")).toHaveCount(0, { timeout: 10000 });
  });

  test("a cluster map's task timeline has a lane group per node, a lane per worker, collapsible to one lane", async ({
    page,
  }) => {
    await connectAt300px(page, "cluster-timeline.ipynb", cluster!.url, "2 nodes · 4 workers");
    await runClusterMap(page, 400, 8);
    const timeline = panel(page).locator("[data-section=timeline]");
    for (const node of ["agent-1", "agent-2"]) {
      const group = timeline.locator(`.tl-lane-group[data-node=${node}]`);
      // 2 nodes × 2 workers fit: each node starts expanded, a lane per worker.
      await expect(group).toHaveAttribute("data-expanded", "true", { timeout: 30000 });
      await expect(group.locator(".tl-lane-head")).toContainText(node);
      await expect(group.locator(".tl-lane-labels span")).toHaveText(["#0", "#1"], { timeout: 30000 });
      for (const slot of [0, 1])
        await expect(group.locator(`[data-testid=tl-chunk][data-slot="${slot}"]`).first()).toBeAttached();
    }
    // No local pool ran: the cluster's lanes are the whole timeline.
    await expect(timeline.getByTestId("tl-timeline")).toHaveCount(0);
    await expectItemsInBars(timeline, 400);
    // At the panel's default width the node groups fit.
    await screenshotFitting(timeline, "sidebar-cluster-timeline.png", ".tl-lane-group");

    // A click folds a node into one lane with its workers' bars; another unfolds it.
    const first = timeline.locator(".tl-lane-group[data-node=agent-1]");
    await first.locator(".tl-lane-head").click();
    await expect(first).toHaveAttribute("data-expanded", "false");
    await expect(first.getByTestId("tl-node-lane")).toBeVisible();
    await expect(first.locator(".tl-lane-labels")).toHaveCount(0);
    await first.locator(".tl-lane-head").click();
    await expect(first).toHaveAttribute("data-expanded", "true");
    await run(page, "%parallel cluster disconnect");
  });
});

test.describe("Thread pools sidebar: a cluster of 8 nodes × 8 workers", () => {
  let big: InstanceType<typeof LocalCluster> | undefined;
  test.beforeAll(async () => {
    test.setTimeout(240000);
    big = await LocalCluster.start({ agents: 8, workers: 8 });
  });
  test.afterAll(async () => {
    await big?.stop();
  });

  test("the timeline starts with a lane per node, readable at 300 px; a node expands to its workers", async ({
    page,
  }) => {
    await connectAt300px(page, "cluster-8x8.ipynb", big!.url, "8 nodes · 64 workers");
    await runClusterMap(page, 2000, 2);
    const timeline = panel(page).locator("[data-section=timeline]");
    const groups = timeline.locator(".tl-lane-group");
    // Every node ran batches (8 items each, four per worker of the cluster) and has its group, folded.
    await expect(groups).toHaveCount(8, { timeout: 30000 });
    for (let i = 0; i < 8; i++) await expect(groups.nth(i)).toHaveAttribute("data-expanded", "false");
    await expect(timeline.getByTestId("tl-node-lane")).toHaveCount(8);
    await expectItemsInBars(timeline, 2000);
    await screenshotFitting(timeline, "sidebar-cluster-timeline-8x8.png", ".tl-lane-group");
    // Folded, the 8 nodes fit without scrolling; expanded, a node shows a labelled lane per worker that ran.
    const lanes = timeline.locator(".tl-timeline-lanes");
    expect(await lanes.evaluate((el) => el.scrollHeight <= el.clientHeight)).toBe(true);
    const first = groups.first();
    await first.locator(".tl-lane-head").click();
    await expect(first).toHaveAttribute("data-expanded", "true");
    const labels = first.locator(".tl-lane-labels span");
    expect(await labels.count()).toBeGreaterThanOrEqual(1);
    await expect(labels.first()).toHaveText(/^#\d$/);
    await run(page, "%parallel cluster disconnect");
  });
});
