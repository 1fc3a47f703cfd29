// Galata (JupyterLab's Playwright layer) against a real JupyterLab from ./.venv, driving Debian's Chromium.
// Never downloads a browser: scripts/test-ui.mjs sets PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1, and the browser is
// /usr/bin/chromium (apt-get install chromium; .ci/run does it).
const path = require("node:path");
const base = require("@jupyterlab/galata/lib/playwright-config");

const root = path.resolve(__dirname, "..", "..");
const port = Number(process.env.THREADLAB_UI_PORT || 8888);

module.exports = {
  ...base,
  testDir: __dirname,
  testMatch: "*.spec.ts",
  outputDir: path.join(root, "test-results", "ui"),
  // One JupyterLab, one kernel at a time: the tests share a 2-core machine.
  workers: 1,
  retries: 0,
  timeout: 120000,
  expect: { timeout: 20000 },
  reporter: [["list"], ["json", { outputFile: path.join(root, "test-results", "ui", "results.json") }]],
  use: {
    ...base.use,
    baseURL: `http://127.0.0.1:${port}`,
    browserName: "chromium",
    viewport: { width: 1400, height: 900 },
    // Video and traces need Playwright's own ffmpeg download; screenshots do not.
    video: "off",
    trace: "off",
    launchOptions: {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `${path.join(root, ".venv", "bin", "jupyter")} lab --config ${path.join(__dirname, "jupyter_server_test_config.py")}`,
    url: `http://127.0.0.1:${port}/lab`,
    cwd: root,
    timeout: 120000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
  },
};
