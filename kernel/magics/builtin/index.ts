import { MagicRegistry } from "../registry";
import { env } from "./env";
import { lsmagic } from "./lsmagic";
import { time } from "./time";
import { timeitMagic } from "./timeit";

export function registerBuiltinMagics(registry: MagicRegistry): void {
  for (const m of [lsmagic, time, timeitMagic, env]) registry.register(m);
}
