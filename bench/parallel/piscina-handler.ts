/** Piscina's task handler for the comparison benchmarks (Piscina needs a module file). */
import { move } from "piscina";

interface Task {
  x?: number;
  items?: number[];
  f64?: Float64Array;
}

export = function handler(t: Task): unknown {
  if (t.f64) {
    const out = new Float64Array(t.f64.length);
    for (let i = 0; i < out.length; i++) out[i] = t.f64[i] + 1;
    return move(out);
  }
  if (t.items) {
    const out = new Array(t.items.length);
    for (let i = 0; i < out.length; i++) out[i] = t.items[i] + 1;
    return out;
  }
  return t.x! + 1;
};
