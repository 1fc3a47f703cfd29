import * as React from "react";

/**
 * An SVG as wide as its cell, drawn in a fixed coordinate width `w` and stretched to fit (no aspect ratio kept):
 * sparklines and timeline lanes are plotted in their own units and must fill any panel width. Text does not
 * belong inside (it would stretch too).
 */
export function StretchedSvg(
  props: { w: number; h: number; className: string; children: React.ReactNode } & React.SVGAttributes<SVGSVGElement>,
): JSX.Element {
  const { w, h, className, children, ...rest } = props;
  return (
    <svg className={className} width="100%" height={h} viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" {...rest}>
      {children}
    </svg>
  );
}
