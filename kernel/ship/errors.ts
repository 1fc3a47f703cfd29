/**
 * Raised by `shipFunction` before any work starts when part of a function cannot travel to a worker.
 * The message is for the notebook user: which name, why, and what to do instead.
 */
export class ShipError extends Error {
  override readonly name = "ShipError";

  constructor(
    /** The notebook name (or expression such as `cfg.conn`) that cannot be shipped. */
    readonly identifier: string,
    /** Why, and what to do; completes "cannot ship `identifier`: …". */
    readonly reason: string,
    /** Names from the shipped function down to the one that uses `identifier`, outermost first. */
    readonly usedBy: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(formatShipError(identifier, reason, usedBy), options);
  }
}

function formatShipError(identifier: string, reason: string, usedBy: readonly string[]): string {
  const via =
    usedBy.length > 0 && usedBy[usedBy.length - 1] !== identifier
      ? ` (used by ${usedBy.map((n) => `\`${n}\``).join(" → ")})`
      : "";
  return `cannot ship \`${identifier}\`${via}: ${reason}`;
}
