import * as React from "react";
import type { ConfigSource } from "../../../schema/vocabulary";
import { SOURCE_TITLE } from "./format";

/** Where a value came from, as a small badge. */
export function SourceBadge(props: { src: ConfigSource; detail?: string }): JSX.Element {
  const title = props.detail ? `${SOURCE_TITLE[props.src]}: ${props.detail}` : SOURCE_TITLE[props.src];
  return (
    <span className={`tl-src tl-src-${props.src}`} title={title}>
      {props.src}
    </span>
  );
}
