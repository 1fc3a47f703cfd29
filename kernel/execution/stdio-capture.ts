export type StreamName = "stdout" | "stderr";

/**
 * Replaces `process.stdout/stderr.write` so that every write reaches `onText` as text: the kernel turns it
 * into IOPub `stream` messages, a pool worker posts it to the kernel tagged with its map. Patching `write`
 * (rather than piping the streams) keeps the order of writes and costs no extra thread hop.
 */
export function captureStdio(onText: (stream: StreamName, text: string) => void): void {
  for (const name of ["stdout", "stderr"] as const) {
    process[name].write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
      const text =
        typeof chunk === "string"
          ? chunk
          : Buffer.from(chunk as Uint8Array).toString(
              typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8",
            );
      onText(name, text);
      const done = typeof encoding === "function" ? encoding : cb;
      if (typeof done === "function") queueMicrotask(() => (done as () => void)());
      return true;
    }) as typeof process.stdout.write;
  }
}
