import * as React from "react";
import type { Source } from "../../../schema/protocol";
import { SOURCE_TITLE } from "./format";

/** Where a value came from, as a small badge. */
export function SourceBadge(props: { src: Source; detail?: string }): JSX.Element {
  const title = props.detail ? `${SOURCE_TITLE[props.src]}: ${props.detail}` : SOURCE_TITLE[props.src];
  return <span className={`tl-src tl-src-${props.src}`} title={title}>{props.src}</span>;
}
