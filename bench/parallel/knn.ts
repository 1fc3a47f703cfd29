/** The kNN top-10 scoring used by benchmark 3, as source so the same code runs in-process and in workers. */
export const KNN_TOP10 = `(u, m) => {
  const { items, users, dim, n } = m;
  const k = 10;
  const best = new Float64Array(k).fill(-Infinity);
  const ids = new Int32Array(k).fill(-1);
  const uo = u * dim;
  for (let j = 0; j < n; j++) {
    let s = 0;
    const jo = j * dim;
    for (let d = 0; d < dim; d++) s += items[jo + d] * users[uo + d];
    if (s > best[k - 1]) {
      let p = k - 1;
      while (p > 0 && best[p - 1] < s) { best[p] = best[p - 1]; ids[p] = ids[p - 1]; p--; }
      best[p] = s; ids[p] = j;
    }
  }
  return ids;
}`;

export function knnModel(n: number, dim: number, users: number) {
  const items = new Float32Array(n * dim);
  const u = new Float32Array(users * dim);
  let seed = 42;
  // Math.imul: the LCG step in exact 32-bit arithmetic. In doubles, seed × 1103515245 loses bits and the
  // generator falls into a short cycle (rows repeated every 419 items, every top-10 a tie).
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
  for (let i = 0; i < items.length; i++) items[i] = rnd();
  for (let i = 0; i < u.length; i++) u[i] = rnd();
  return { items, users: u, dim, n };
}
