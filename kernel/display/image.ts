/** Image bytes recognised by their signature, so a Uint8Array of a PNG is shown as the picture. */
export interface DetectedImage {
  mime: "image/png" | "image/jpeg" | "image/gif" | "image/svg+xml";
  /** base64 for raster images, the text for SVG (Jupyter's encodings for each). */
  data: string;
  description: string;
}

function bytesOf(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return undefined;
}

const SVG_START = /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i;

export function detectImage(value: unknown): DetectedImage | undefined {
  const b = bytesOf(value);
  if (!b || b.length < 4) return undefined;
  const base64 = () => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
  const n = b.length.toLocaleString("en-US");
  if (
    b.length >= 24 &&
    b[0] === 0x89 &&
    b[1] === 0x50 &&
    b[2] === 0x4e &&
    b[3] === 0x47 &&
    b[4] === 0x0d &&
    b[5] === 0x0a &&
    b[6] === 0x1a &&
    b[7] === 0x0a
  ) {
    // IHDR is the first chunk: width and height at bytes 16 and 20, big-endian.
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return {
      mime: "image/png",
      data: base64(),
      description: `PNG image ${dv.getUint32(16)}×${dv.getUint32(20)}, ${n} bytes`,
    };
  }
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff)
    return { mime: "image/jpeg", data: base64(), description: `JPEG image, ${n} bytes` };
  const head = Buffer.from(b.buffer, b.byteOffset, Math.min(b.byteLength, 1024)).toString("utf8");
  if (head.startsWith("GIF87a") || head.startsWith("GIF89a"))
    return { mime: "image/gif", data: base64(), description: `GIF image, ${n} bytes` };
  if (SVG_START.test(head.replace(/^\uFEFF/, ""))) {
    return {
      mime: "image/svg+xml",
      data: Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8"),
      description: `SVG image, ${n} bytes`,
    };
  }
  return undefined;
}
