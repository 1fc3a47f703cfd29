/**
 * A second console on a busy kernel in a real JupyterLab (JEP 91, kernel subshells): while the notebook's
 * `parallel.map` runs, "New Subshell Console for Notebook" opens a console on the same kernel whose cells run
 * at once — `%parallel status` shows the running map, and the notebook's variables are there.
 */
import { expect, test, type IJupyterLabPageFixture } from "@jupyterlab/galata";

async function execute(page: IJupyterLabPageFixture, command: string, args: Record<string, unknown> = {}) {
  await page.evaluate(
    ([id, a]) =>
      (
        window as unknown as { jupyterapp: { commands: { execute(id: string, args: unknown): Promise<unknown> } } }
      ).jupyterapp.commands
        .execute(id as string, a)
        .then(() => undefined), // the console widget it returns cannot be serialized back
    [command, args] as const,
  );
}

test.describe("subshell console", () => {
  test("New Subshell Console for Notebook runs %parallel status while the notebook's map runs", async ({ page }) => {
    // Not renamed: the console finds the notebook's kernel session by the notebook's path, and after galata's
    // rename the session still has the old one (the console would then ask for a kernel).
    await page.notebook.createNew(undefined, { kernel: "threadlab" });
    await expect(page.locator(".jp-Notebook")).toBeVisible();
    await page.notebook.setCell(0, "code", `import { parallel } from "threadlab"\nconst before = 41`);
    await page.notebook.runCell(0, { wait: true });
    // Ten items of 6 s on the pool: the cell awaits for about 30 s on 2 cores.
    while ((await page.notebook.getCellCount()) < 2) await page.notebook.addCell("code", "");
    await page.notebook.setCell(
      1,
      "code",
      `await parallel.map(parallel.range(0, 10), async (x: number) => { await new Promise((r) => setTimeout(r, 6000)); return x; }, { name: "slowMap" });\n"map done"`,
    );
    await page.notebook.runCell(1, { wait: false });
    const mapCell = page.locator(".jp-Notebook .jp-Cell").nth(1);
    // The map's progress bar: the map has started.
    await expect(mapCell.locator(".jp-OutputArea-output").first()).toBeVisible();

    await page.notebook.activate("Untitled.ipynb");
    await execute(page, "notebook:create-subshell-console", { activate: true });
    const console = page.locator(".jp-CodeConsole");
    await expect(console).toBeVisible();
    // The console creates its subshell once its kernel connection is up; a cell run before that goes to the
    // main shell (and waits for the map), as in JupyterLab against any kernel.
    await expect
      .poll(() =>
        page.evaluate(() => {
          type Panel = { sessionContext?: { session?: { kernel?: { subshellId?: string | null } } } };
          const app = window as unknown as { jupyterapp: { shell: { widgets(area: string): Iterable<Panel> } } };
          for (const w of app.jupyterapp.shell.widgets("main")) {
            const id = w.sessionContext?.session?.kernel?.subshellId;
            if (id) return id;
          }
          return null;
        }),
      )
      .toMatch(/^[0-9a-f-]{36}$/);
    const prompt = console.locator(".jp-CodeConsole-promptCell .cm-content");
    await prompt.click();
    await page.keyboard.type("%parallel status");
    await execute(page, "console:run-forced");
    const outputs = console.locator(".jp-CodeConsole-content .jp-OutputArea-output");
    await expect(outputs.first()).toContainText(/map \S+ slowMap: \d+\/10 done/);
    // The notebook's cell is still running ([*]) while the console answered.
    await expect(mapCell.locator(".jp-InputPrompt")).toHaveText("[*]:");

    // The same namespace: a name from the notebook, read from the console.
    await prompt.click();
    await page.keyboard.type("before + 1");
    await execute(page, "console:run-forced");
    await expect(console.locator(".jp-CodeConsole-content")).toContainText("42");

    await expect(mapCell.locator(".jp-OutputArea-output").last()).toContainText("map done", { timeout: 60000 });
  });
});
