/**
 * Which shell an interrupt_request names, passed from the control thread to the main thread beside the
 * SIGINT it raises. The signal is what breaks a synchronous cell (only a signal reaches a busy main thread),
 * but a signal carries no data, and a message posted with it may arrive after the signal's handler has run:
 * so the control thread writes the target into shared memory first, and the handler reads it. A SIGINT from
 * a terminal finds the slot empty and interrupts the main shell, as ipykernel's SIGINT does.
 */
const MAX_ID_BYTES = 128;
const EMPTY = -1;

export class InterruptSlot {
  private readonly header: Int32Array;
  private readonly bytes: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(4 + MAX_ID_BYTES)) {
    this.header = new Int32Array(buffer, 0, 1);
    this.bytes = new Uint8Array(buffer, 4, MAX_ID_BYTES);
    if (buffer.byteLength !== 4 + MAX_ID_BYTES) throw new Error("InterruptSlot: wrong buffer size");
  }

  /** Control thread: the interrupt about to be raised is for `subshellId` (null: the main shell). */
  write(subshellId: string | null): void {
    const encoded = Buffer.from(subshellId ?? "", "utf8");
    // An id too long for the slot cannot be a subshell of this kernel (ours are UUIDs): name none.
    const n = encoded.length > MAX_ID_BYTES ? 0 : encoded.length;
    this.bytes.set(encoded.subarray(0, n));
    Atomics.store(this.header, 0, subshellId !== null && n === 0 ? MAX_ID_BYTES + 1 : n);
  }

  /** Main thread: the target of the interrupt being handled, and the slot emptied. Undefined: no request. */
  take(): string | null | undefined {
    const n = Atomics.exchange(this.header, 0, EMPTY);
    if (n === EMPTY) return undefined;
    if (n === 0) return null;
    if (n > MAX_ID_BYTES) return "";
    return Buffer.from(this.bytes.subarray(0, n)).toString("utf8");
  }
}
