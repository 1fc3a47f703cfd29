/**
 * The threadlab JupyterLab extension: a "Thread pools" sidebar panel that attaches by itself to the kernel of
 * the notebook or console in use, plus the palette commands "Show thread pools" and "Reset thread limits".
 * Works in JupyterLab 4 and Notebook 7: everything shell-specific (ILabShell, the layout restorer) is optional.
 *
 * @module
 */
import { ILabShell, ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette } from "@jupyterlab/apputils";
import { IConsoleTracker } from "@jupyterlab/console";
import { INotebookTracker } from "@jupyterlab/notebook";
import { ISettingRegistry } from "@jupyterlab/settingregistry";
import type { Widget } from "@lumino/widgets";
import { RATE } from "../../../schema/sidebar";
import { threadsIcon } from "./icon";
import { SidebarModel, type SessionContextLike } from "../model";
import { ThreadPoolsPanel } from "./panel";

const PLUGIN_ID = "threadlab:plugin";
const COMMANDS = { show: "threadlab:show-thread-pools", reset: "threadlab:reset-thread-limits" } as const;

type KernelWidget = Widget & { sessionContext: SessionContextLike };

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: "Thread pools, live worker utilization and limit controls for the threadlab kernel.",
  autoStart: true,
  optional: [ILabShell, ILayoutRestorer, INotebookTracker, IConsoleTracker, ICommandPalette, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    labShell: ILabShell | null,
    restorer: ILayoutRestorer | null,
    notebooks: INotebookTracker | null,
    consoles: IConsoleTracker | null,
    palette: ICommandPalette | null,
    settings: ISettingRegistry | null,
  ) => {
    const model = new SidebarModel();
    const panel = new ThreadPoolsPanel(model, threadsIcon);
    let side: "left" | "right" = "right";
    app.shell.add(panel, side, { rank: 600 });
    // Restores whether the panel was open across page reloads (JupyterLab; Notebook 7 has no restorer).
    restorer?.add(panel, panel.id);

    const trackers = [notebooks, consoles].filter((t): t is NonNullable<typeof t> => t !== null);
    const isKernelWidget = (w: Widget | null | undefined): w is KernelWidget =>
      !!w && !w.isDisposed && trackers.some((t) => t.has(w as never)) && "sessionContext" in w;
    let attached: KernelWidget | null = null;
    const relabel = () => model.setLabel(attached?.title.label ?? "");

    // Follow the widget in use; when the user moves to something else (a file editor, the launcher) keep the
    // last notebook or console, and only when that closes fall back to another one.
    const follow = () => {
      const current = app.shell.currentWidget;
      let next: KernelWidget | null = null;
      if (isKernelWidget(current)) next = current;
      else if (isKernelWidget(attached)) next = attached;
      else {
        for (const t of trackers) {
          if (isKernelWidget(t.currentWidget as Widget | null)) {
            next = t.currentWidget as unknown as KernelWidget;
            break;
          }
        }
      }
      if (next === attached && next) return;
      if (attached) {
        attached.disposed.disconnect(follow);
        attached.title.changed.disconnect(relabel);
      }
      attached = next;
      if (next) {
        next.disposed.connect(follow);
        next.title.changed.connect(relabel);
      }
      model.setSessionContext(next?.sessionContext ?? null, next?.title.label ?? "");
    };
    labShell?.currentChanged.connect(follow);
    (app.shell as { currentChanged?: { connect(fn: () => void): void } }).currentChanged?.connect?.(follow);
    for (const t of trackers) {
      t.currentChanged.connect(follow);
      t.widgetAdded.connect(follow);
    }
    void app.restored.then(follow);

    app.commands.addCommand(COMMANDS.show, {
      label: "Show thread pools",
      caption: "Open the threadlab sidebar: thread pools, workers and limits of the current kernel",
      icon: threadsIcon,
      execute: () => {
        app.shell.activateById(panel.id);
      },
    });
    app.commands.addCommand(COMMANDS.reset, {
      label: "Reset thread limits",
      caption: "Undo the limits and pool size set from the sidebar and with %threadpool limit",
      isEnabled: () => model.state.kind === "connected",
      execute: async () => {
        await model.reset();
      },
    });
    model.stateChanged.connect(() => app.commands.notifyCommandChanged(COMMANDS.reset));
    for (const command of Object.values(COMMANDS)) palette?.addItem({ command, category: "threadlab" });

    if (settings) {
      void settings.load(PLUGIN_ID).then(
        (s) => {
          const apply = () => {
            model.setRate(Number(s.get("updateRate").composite) || RATE.defaultHz);
            const want = s.get("side").composite === "left" ? "left" : "right";
            if (want !== side) {
              side = want;
              app.shell.add(panel, side, { rank: 600 });
            }
          };
          apply();
          s.changed.connect(apply);
        },
        (err: unknown) => console.warn("threadlab: could not load the sidebar settings; using defaults.", err),
      );
    }
  },
};

export default plugin;
