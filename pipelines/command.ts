/**
 * How a command-line entry point ends: its exit code, or a one-line message for
 * what it threw (with the usage line after a usage error, exit 2; otherwise exit 1).
 *
 * @module
 */
import { ConfigError, toError } from "../mod.ts";

/**
 * Runs `main` on the process's arguments and exits with its code. A thrown
 * {@link ConfigError} prints its message and `usage`; an error `plain` accepts
 * prints its message alone; any other prints `Error: <message>`.
 */
export async function runCommand(
  main: (args: string[]) => Promise<number>,
  options: { usage: string; plain?: (error: Error) => boolean },
): Promise<never> {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    const err = toError(error);
    console.error(
      err instanceof ConfigError
        ? `${err.message}\n\n${options.usage} (see --help)`
        : options.plain?.(err)
        ? err.message
        : `Error: ${err.message}`,
    );
    Deno.exit(err instanceof ConfigError ? 2 : 1);
  }
}
