/**
 * A kNN top-10 scorer as function source (so the same code runs in-process and in workers): `prelude` runs once
 * per user `u`, `score` sets `s` to item `j`'s score; the top-10 insertion around them is the same for every
 * variant. `items`, `users`, `dim` and `n` come from the model `m`.
 */
export function knnTop10Source(prelude: string, score: string): string {
  return `(u, m) => {
  const { items, users, dim, n } = m;
  ${prelude}
  const k = 10;
  const best = new Float64Array(k).fill(-Infinity);
  const ids = new Int32Array(k).fill(-1);
  for (let j = 0; j < n; j++) {
    ${score}
    if (s > best[k - 1]) {
      let p = k - 1;
      while (p > 0 && best[p - 1] < s) { best[p] = best[p - 1]; ids[p] = ids[p - 1]; p--; }
      best[p] = s; ids[p] = j;
    }
  }
  return ids;
}`;
}

/** The kNN top-10 scoring used by benchmark 3: dot products in plain JavaScript. */
export const KNN_TOP10 = knnTop10Source(
  "const uo = u * dim;",
  "let s = 0;\n    const jo = j * dim;\n    for (let d = 0; d < dim; d++) s += items[jo + d] * users[uo + d];",
);

export function knnModel(n: number, dim: number, users: number) {
  const items = new Float32Array(n * dim);
  const u = new Float32Array(users * dim);
  let seed = 42;
  // Math.imul: the LCG step in exact 32-bit arithmetic. In doubles, seed × 1103515245 loses bits and the
  // generator falls into a short cycle (rows repeated every 419 items, every top-10 a tie).
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5;
  for (let i = 0; i < items.length; i++) items[i] = rnd();
  for (let i = 0; i < u.length; i++) u[i] = rnd();
  return { items, users: u, dim, n };
}
