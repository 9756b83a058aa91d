import { UsageError } from './io';

/** One flag of a command. `string` values may be repeated when `multiple` is set. */
export interface FlagSpec {
  name: string;
  type: 'string' | 'number' | 'int' | 'boolean';
  /** Placeholder in the help text, e.g. DIR. */
  meta?: string;
  help: string;
  required?: boolean;
  choices?: readonly string[];
  /** Shown in the help text; the command applies it. */
  default?: string | number | boolean;
  min?: number;
  max?: number;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Usage line after `camsteer`, e.g. `score --model DIR IMAGE...`. */
  usage: string;
  flags: FlagSpec[];
  /** Positional arguments: how many are allowed, and their help. */
  positionals?: { meta: string; help: string; min: number; max: number };
  /** Longer description and examples, printed after the flags. */
  notes?: string[];
}

export type FlagValue = string | number | boolean;

/** Parsed flags of one command, with typed getters. */
export class ParsedArgs {
  constructor(
    readonly spec: CommandSpec,
    private readonly values: Map<string, FlagValue>,
    readonly positionals: string[],
    readonly help: boolean,
    /** The command's arguments as given (for reports that say how they were made). */
    readonly raw: readonly string[] = [],
  ) {}

  /** `camsteer <command> <args>`, shell-quoted where needed. */
  commandLine(): string {
    const q = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
    return ['camsteer', this.spec.name, ...this.raw.map(q)].join(' ');
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return v === undefined ? undefined : String(v);
  }

  requireString(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new UsageError(`--${name} is required`, this.spec.name);
    return v;
  }

  number(name: string): number | undefined {
    const v = this.values.get(name);
    return typeof v === 'number' ? v : undefined;
  }

  bool(name: string): boolean {
    return this.values.get(name) === true;
  }
}

const isFlag = (a: string) => a.startsWith('--') && a.length > 2;

function parseValue(spec: FlagSpec, raw: string, command: string): FlagValue {
  if (spec.type === 'number' || spec.type === 'int') {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v) || (spec.type === 'int' && !Number.isInteger(v))) {
      throw new UsageError(`--${spec.name} needs ${spec.type === 'int' ? 'an integer' : 'a number'}, got "${raw}"`, command);
    }
    if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
      throw new UsageError(`--${spec.name} must be between ${spec.min ?? '-inf'} and ${spec.max ?? 'inf'}, got ${v}`, command);
    }
    return v;
  }
  if (spec.choices && !spec.choices.includes(raw)) {
    throw new UsageError(`--${spec.name} must be one of ${spec.choices.join(', ')}; got "${raw}"`, command);
  }
  return raw;
}

/**
 * Parses `--flag value`, `--flag=value`, boolean `--flag`, `--` (the rest are positionals) and
 * `-h`/`--help`. Unknown flags, missing values, repeated flags, bad numbers or choices, missing
 * required flags and a wrong number of positionals are UsageErrors (exit 2).
 */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const byName = new Map(spec.flags.map((f) => [f.name, f]));
  const values = new Map<string, FlagValue>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h' || a === '--help') {
      help = true;
      continue;
    }
    if (!isFlag(a)) {
      if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) throw new UsageError(`unknown option ${a}`, spec.name);
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const f = byName.get(name);
    if (!f) throw new UsageError(`unknown option --${name}`, spec.name);
    if (values.has(name)) throw new UsageError(`--${name} is given twice`, spec.name);
    if (f.type === 'boolean') {
      if (eq >= 0) {
        const v = a.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new UsageError(`--${name} takes no value (or =true / =false)`, spec.name);
        values.set(name, v === 'true');
      } else values.set(name, true);
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = a.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (isFlag(next) && !/^--?\d/.test(next))) throw new UsageError(`--${name} needs a value (${f.meta ?? f.type})`, spec.name);
      raw = next;
      i++;
    }
    values.set(name, parseValue(f, raw, spec.name));
  }
  if (!help) {
    for (const f of spec.flags) if (f.required && !values.has(f.name)) throw new UsageError(`--${f.name} is required`, spec.name);
    const p = spec.positionals ?? { meta: '', help: '', min: 0, max: 0 };
    if (positionals.length < p.min) throw new UsageError(`missing ${p.meta}`, spec.name);
    if (positionals.length > p.max) {
      throw new UsageError(p.max === 0 ? `unexpected argument "${positionals[0]}"` : `too many arguments (at most ${p.max} ${p.meta})`, spec.name);
    }
  }
  return new ParsedArgs(spec, values, positionals, help, [...argv]);
}

function wrap(text: string, width: number, indent: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join('\n' + ' '.repeat(indent));
}

/** The `--help` text of a command. */
export function commandHelp(spec: CommandSpec): string {
  const out = [`Usage: camsteer ${spec.usage}`, '', spec.summary, ''];
  if (spec.positionals && spec.positionals.max > 0) out.push('Arguments:', `  ${spec.positionals.meta.padEnd(24)}${wrap(spec.positionals.help, 72, 26)}`, '');
  out.push('Options:');
  const rows = [...spec.flags.map((f) => {
    const left = `--${f.name}${f.type === 'boolean' ? '' : ` ${f.meta ?? (f.choices ? f.choices.join('|') : f.type.toUpperCase())}`}`;
    let right = f.help;
    if (f.choices && f.meta) right += ` One of: ${f.choices.join(', ')}.`;
    if (f.required) right += ' Required.';
    if (f.default !== undefined) right += ` Default: ${String(f.default)}.`;
    return [left, right] as const;
  }), ['-h, --help', 'Show this help.'] as const];
  for (const [left, right] of rows) {
    if (left.length > 22) out.push(`  ${left}`, `${' '.repeat(26)}${wrap(right, 72, 26)}`);
    else out.push(`  ${left.padEnd(24)}${wrap(right, 72, 26)}`);
  }
  if (spec.notes?.length) out.push('', ...spec.notes);
  return out.join('\n') + '\n';
}

/** `Usage: ...` plus a pointer to --help, printed after a usage error. */
export function shortUsage(spec: CommandSpec): string {
  return `Usage: camsteer ${spec.usage}\nRun "camsteer ${spec.name} --help" for the options.\n`;
}
