import { Magic, MagicError } from "../types";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const env: Magic = {
  name: "env",
  summary: "Get, set or list environment variables.",
  usage: [
    "%env                 list all environment variables (the value is an object)",
    "%env NAME            show one variable's value",
    "%env NAME=VALUE      set a variable (also: %env NAME VALUE)",
    "",
    "Variables set here are seen by child processes and by settings read later (e.g. THREADLAB_* knobs).",
  ].join("\n"),
  args: "raw",
  line(_a, raw, ctx) {
    const text = raw.trim();
    if (!text) return { hasValue: true, value: { ...process.env } };
    const m = /^([^=\s]+)\s*(?:=\s*|\s+)([\s\S]*)$/.exec(text);
    if (!m) {
      if (!NAME.test(text)) throw new MagicError(`%env: ${JSON.stringify(text)} is not a variable name`);
      const v = process.env[text];
      if (v === undefined) throw new MagicError(`%env: environment variable ${text} is not set`);
      return { hasValue: true, value: v };
    }
    const [, name, value] = m;
    if (!NAME.test(name))
      throw new MagicError(`%env: ${JSON.stringify(name)} is not a valid variable name (letters, digits, _)`);
    process.env[name] = value;
    ctx.write("stdout", `env: ${name}=${value}\n`);
  },
};
