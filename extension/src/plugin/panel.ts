/**
 * The sidebar widget: lays out the React view and tells the model when it is visible, so updates stream
 * only while someone can see them (a hidden panel, a background browser tab).
 *
 * @module
 */
import { ReactWidget } from "@jupyterlab/ui-components";
import type { LabIcon } from "@jupyterlab/ui-components";
import type { Message } from "@lumino/messaging";
import { Panel } from "@lumino/widgets";
import * as React from "react";
import { SidebarView } from "../components/view";
import type { SidebarModel } from "../model";

export const PANEL_ID = "threadlab-sidebar";

export class ThreadPoolsPanel extends Panel {
  private readonly onDocumentVisibility = () => this.updateVisibility();

  constructor(
    readonly model: SidebarModel,
    icon: LabIcon,
  ) {
    super();
    this.id = PANEL_ID;
    this.addClass("tl-panel");
    this.title.icon = icon;
    this.title.caption = "Thread pools (threadlab)";
    this.addWidget(ReactWidget.create(React.createElement(SidebarView, { model })));
    document.addEventListener("visibilitychange", this.onDocumentVisibility);
    this.updateVisibility();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.updateVisibility();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.updateVisibility();
  }

  private updateVisibility(): void {
    this.model.setVisible(this.isVisible && document.visibilityState !== "hidden");
  }

  dispose(): void {
    document.removeEventListener("visibilitychange", this.onDocumentVisibility);
    super.dispose();
  }
}
