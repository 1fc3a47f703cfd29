import { Magic } from "../types";

export const lsmagic: Magic = {
  name: "lsmagic",
  summary: "List the available line and cell magics.",
  usage:
    "%lsmagic\n\nLists every line magic (%name) and cell magic (%%name) with a one-line summary.\nHelp for one magic: %name? or %%name?",
  args: "options",
  line(_args, _raw, ctx) {
    const row = (prefix: string, name: string) =>
      `  ${(prefix + name).padEnd(16)} ${ctx.magics.get(name)?.summary ?? ""}`;
    const text = [
      "Line magics:",
      ...ctx.magics.names("line").map((n) => row("%", n)),
      "",
      "Cell magics:",
      ...ctx.magics.names("cell").map((n) => row("%%", n)),
      "",
      "Help for one magic: %name? (e.g. %timeit?)",
    ].join("\n");
    ctx.write("stdout", text + "\n");
  },
};
