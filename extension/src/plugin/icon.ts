import { LabIcon } from "@jupyterlab/ui-components";

/** Four threads through a spool: the panel's own icon in the sidebar. */
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <rect x="3" y="4" width="18" height="2.2" rx="1.1"/>
    <rect x="3" y="17.8" width="18" height="2.2" rx="1.1"/>
    <rect x="5.2" y="6.2" width="1.8" height="11.6"/>
    <rect x="9.4" y="6.2" width="1.8" height="11.6"/>
    <rect x="13.2" y="6.2" width="1.8" height="11.6" opacity=".6"/>
    <rect x="17" y="6.2" width="1.8" height="11.6" opacity=".35"/>
  </g>
</svg>`;

export const threadsIcon = new LabIcon({ name: "threadlab:threads", svgstr: svg });
