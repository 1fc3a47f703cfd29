/**
 * User comms and rich display in a real JupyterLab: @jupyter-widgets models opened from cells with the
 * `threadlab` module's `comm.open` are rendered by JupyterLab's widget manager (jupyterlab_widgets), driven
 * from cells and from the browser; tabular values render as tables.
 */
import { expect, test, type IJupyterLabPageFixture } from "@jupyterlab/galata";

async function threadlabNotebook(page: IJupyterLabPageFixture, name: string) {
  await page.notebook.createNew(name, { kernel: "threadlab" });
  await expect(page.locator(".jp-Notebook")).toBeVisible();
}

/** Puts `source` in cell `index` (adding cells as needed) and runs it. */
async function runAt(page: IJupyterLabPageFixture, index: number, source: string) {
  while ((await page.notebook.getCellCount()) <= index) await page.notebook.addCell("code", "");
  await page.notebook.setCell(index, "code", source);
  await page.notebook.runCell(index, { wait: true });
}

/** The widget protocol (2.1) by hand, the way ipywidgets speaks it: a model per comm, a view per display. */
const WIDGET_HELPER = `import { comm, display } from "threadlab"
const PROTOCOL = { version: "2.1.0" };
const versions = { _model_module_version: "2.0.0", _view_module_version: "2.0.0" };
function model(state: Record<string, unknown>) {
  return comm.open("jupyter.widget", { state: { ...versions, ...state }, buffer_paths: [] }, { metadata: PROTOCOL });
}
function widget(name: string, view: string, styleName: string, state: Record<string, unknown>) {
  const layout = model({ _model_module: "@jupyter-widgets/base", _model_name: "LayoutModel", _view_module: "@jupyter-widgets/base", _view_name: "LayoutView" });
  const style = model({ _model_module: "@jupyter-widgets/controls", _model_name: styleName, _view_module: "@jupyter-widgets/base", _view_name: "StyleView" });
  const w = model({ _model_module: "@jupyter-widgets/controls", _model_name: name, _view_module: "@jupyter-widgets/controls", _view_name: view, layout: "IPY_MODEL_" + layout.id, style: "IPY_MODEL_" + style.id, ...state });
  display({ [Symbol.for("Jupyter.display")]: () => ({ "application/vnd.jupyter.widget-view+json": { model_id: w.id, version_major: 2, version_minor: 0 }, "text/plain": name }) });
  return w;
}
const update = (w: ReturnType<typeof model>, state: Record<string, unknown>) => w.send({ method: "update", state, buffer_paths: [] }, { metadata: PROTOCOL });`;

test.describe("widgets and tables in JupyterLab", () => {
  test("an IntProgress driven from a cell, and an IntSlider driven both ways", async ({ page }) => {
    await threadlabNotebook(page, "widgets.ipynb");
    await runAt(page, 0, WIDGET_HELPER);
    await runAt(
      page,
      1,
      `const bar = widget("IntProgressModel", "ProgressView", "ProgressStyleModel", { value: 0, min: 0, max: 10, description: "work" })
for (let i = 1; i <= 10; i++) { update(bar, { value: i }); await new Promise((r) => setTimeout(r, 30)); }`,
    );
    const progress = page.locator(".jp-Cell").nth(1).locator(".widget-hprogress");
    await expect(progress).toBeVisible();
    await expect(page.locator(".jp-Cell").nth(1).locator(".widget-label")).toHaveText("work");
    await expect(progress.locator(".progress-bar")).toHaveAttribute("style", /width: 100%/);

    await runAt(
      page,
      2,
      `const seen: number[] = []
const slider = widget("IntSliderModel", "IntSliderView", "SliderStyleModel", { value: 3, min: 0, max: 10, step: 1, description: "n" })
slider.onMsg((m) => { const d = m.data as { method: string; state?: { value?: number } }; if (d.method === "update" && d.state?.value !== undefined) seen.push(d.state.value); })`,
    );
    const cell = page.locator(".jp-Cell").nth(2);
    await expect(cell.locator(".widget-hslider")).toBeVisible();
    await expect(cell.locator(".widget-readout")).toHaveText("3");
    // From a cell to the browser.
    await runAt(page, 3, `update(slider, { value: 7 })`);
    await expect(cell.locator(".widget-readout")).toHaveText("7");
    // From the browser to the kernel: the slider's handle, moved with the keyboard.
    await cell.locator(".widget-hslider .noUi-handle").focus();
    await page.keyboard.press("ArrowRight");
    await expect(cell.locator(".widget-readout")).toHaveText("8");
    await runAt(page, 4, `JSON.stringify(seen)`);
    await expect.poll(async () => ((await page.notebook.getCellTextOutput(4)) ?? []).join("")).toContain("8");
  });

  test("an array of row objects renders as a table with its size; a Vega-Lite chart renders", async ({ page }) => {
    await threadlabNotebook(page, "table.ipynb");
    await runAt(page, 0, `Array.from({ length: 200 }, (_, i) => ({ id: i, square: i * i, label: "<row " + i + ">" }))`);
    const table = page.locator(".jp-Cell").first().locator(".jp-RenderedHTMLCommon table");
    await expect(table).toBeVisible();
    await expect(table.locator("caption")).toHaveText("200 rows × 3 columns");
    await expect(table.locator("thead th")).toHaveText(["", "id", "square", "label"]);
    await expect(table.locator("tbody tr")).toHaveCount(50);
    await expect(table.locator("tbody tr").nth(49).locator("td").nth(2)).toHaveText("<row 49>");
    await expect(page.locator(".jp-Cell").first().locator(".threadlab-table p")).toHaveText("50 of 200 rows shown");
    // display.vegalite: JupyterLab's own Vega renderer draws it.
    await runAt(
      page,
      1,
      `import { display } from "threadlab"\ndisplay.vegalite({ data: { values: [{ k: "a", v: 3 }, { k: "b", v: 5 }] }, mark: "bar", encoding: { x: { field: "k", type: "nominal" }, y: { field: "v", type: "quantitative" } } })`,
    );
    await expect(page.locator(".jp-Cell").nth(1).locator(".vega-embed svg, .vega-embed canvas").first()).toBeVisible();
  });
});
