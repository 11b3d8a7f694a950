// The command line as the benches share it: a commander Command that throws where commander would exit
// the process (the tests call the benches' parsers directly), its errors phrased as
// "<bench>: <flag> <what is wrong>", and the value parsers more than one bench uses.
import { Command, CommanderError, InvalidArgumentError } from 'commander';

/** A Command for `bench` whose parse throws an Error naming the bench and the flag at fault. --help
 *  prints the usage on stdout, then throws a CommanderError with exit code 0 (see exitOnError). */
export function benchCommand(bench: string, description: string): Command {
  const program = new Command(bench).description(description).allowExcessArguments(false);
  // The thrown Error carries the message; the bench's main prints it once.
  program.configureOutput({ outputError: () => undefined });
  program.exitOverride((error) => {
    throw rephrase(bench, program, error);
  });
  return program;
}

/** `argv` (after the script's name) through `program`: its option values over `defaults`. */
export function parseOver<T extends object>(program: Command, argv: readonly string[], defaults: T): T {
  program.parse([...argv], { from: 'user' });
  return { ...defaults, ...program.opts<Partial<T>>() };
}

function rephrase(bench: string, program: Command, error: CommanderError): Error {
  if (error.exitCode === 0) return error;
  const message = error.message.replace(/^error: /, '');
  const option = program.options.find((o) => message.startsWith(`option '${o.flags}' `));
  const flag = option?.long ?? option?.flags;
  if (flag !== undefined && error.code === 'commander.optionMissingArgument') return new Error(`${bench}: ${flag} needs a value`);
  if (flag !== undefined && error.code === 'commander.invalidArgument') {
    // commander's message: option '<flags>' argument '<value>' is invalid. <the parser's reason>
    const mark = "' is invalid. ";
    return new Error(`${bench}: ${flag} ${message.slice(message.indexOf(mark) + mark.length)}`);
  }
  if (error.code === 'commander.unknownOption') {
    // Commander's suggestion, where it has one, stays on its own line after the list.
    const [first, ...rest] = message.split('\n');
    const flags = [...program.options.map((o) => o.long ?? o.flags), '--help'];
    return new Error([`${bench}: ${first} (options: ${flags.join(' ')})`, ...rest].join('\n'));
  }
  return new Error(`${bench}: ${message}`);
}

/** A bench's main failed: the message on stderr and exit code 1; after --help, exit 0 and nothing more. */
export function exitOnError(error: unknown): never {
  if (error instanceof CommanderError && error.exitCode === 0) process.exit(0);
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

/** "a,b": a non-empty list of names out of `allowed`. */
export function namesOf<T extends string>(allowed: readonly T[]): (value: string) => T[] {
  return (value) => {
    const items = value.split(',').filter((s) => s !== '');
    for (const item of items) {
      if (!(allowed as readonly string[]).includes(item)) throw new InvalidArgumentError(`takes ${allowed.join(', ')}; got '${item}'`);
    }
    if (items.length === 0) throw new InvalidArgumentError(`needs at least one of ${allowed.join(', ')}`);
    return items as T[];
  };
}

/** An integer of at least `min`. */
export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`needs an integer >= ${min}, got '${value}'`);
    return n;
  };
}
