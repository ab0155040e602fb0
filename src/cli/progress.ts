/**
 * Progress for long runs: a live line (counts, rate, ETA) on a terminal, a plain log
 * line at intervals otherwise.
 *
 * @module
 */

/** Options for {@link Progress}. */
export interface ProgressOptions {
  /** What is counted, e.g. "problems". */
  label: string;
  /** The expected total, for the ETA; unknown when absent. */
  total?: number;
  /** Where to write. Default standard error. */
  output?: { writeSync(bytes: Uint8Array): number; isTerminal(): boolean };
  /** Minimum milliseconds between terminal redraws. Default 200. */
  redrawMs?: number;
  /** Milliseconds between plain log lines when not on a terminal. Default 10,000. */
  logMs?: number;
  /** The clock (injectable for tests). Default `performance.now`. */
  now?: () => number;
}

/**
 * Counts work done and reports it.
 *
 * @example Report progress to a buffer
 * ```ts
 * import { Progress } from "./progress.ts";
 * import assert from "node:assert";
 * const chunks: string[] = [];
 * const output = {
 *   writeSync: (b: Uint8Array) => (chunks.push(new TextDecoder().decode(b)), b.length),
 *   isTerminal: () => false,
 * };
 * const progress = new Progress({ label: "problems", total: 10, output });
 * progress.add(4);
 * progress.done();
 * assert.match(chunks.join(""), /problems 4\/10/);
 * ```
 */
export class Progress {
  readonly #options: Required<Omit<ProgressOptions, "total">> & { total?: number };
  readonly #started: number;
  readonly #tty: boolean;
  readonly #encoder = new TextEncoder();
  #count = 0;
  #extra = "";
  #lastDraw = -Infinity;

  /** Starts counting now. */
  constructor(options: ProgressOptions) {
    this.#options = {
      output: Deno.stderr,
      redrawMs: 200,
      logMs: 10_000,
      now: () => performance.now(),
      ...options,
    };
    this.#started = this.#options.now();
    this.#tty = this.#options.output.isTerminal();
    this.#lastDraw = this.#tty ? -Infinity : this.#started;
  }

  /** Items counted so far. */
  get count(): number {
    return this.#count;
  }

  /** Counts `n` more items, with optional extra text (e.g. "pairs 12"). */
  add(n = 1, extra?: string): void {
    this.#count += n;
    if (extra !== undefined) this.#extra = extra;
    const now = this.#options.now();
    const interval = this.#tty ? this.#options.redrawMs : this.#options.logMs;
    if (now - this.#lastDraw >= interval) this.#draw(now, false);
  }

  /** Writes the final line. */
  done(): void {
    this.#draw(this.#options.now(), true);
  }

  /** The status line: counts, rate, ETA. */
  line(now = this.#options.now()): string {
    const { label, total } = this.#options;
    const seconds = Math.max((now - this.#started) / 1000, 1e-9);
    const rate = this.#count / seconds;
    const parts = [`${label} ${this.#count}${total !== undefined ? `/${total}` : ""}`];
    parts.push(`${rate >= 10 ? rate.toFixed(0) : rate.toFixed(2)}/s`);
    if (total !== undefined && rate > 0 && this.#count < total) {
      parts.push(`ETA ${formatDuration((total - this.#count) / rate)}`);
    }
    parts.push(`elapsed ${formatDuration(seconds)}`);
    if (this.#extra) parts.push(this.#extra);
    return parts.join("  ");
  }

  #draw(now: number, final: boolean): void {
    this.#lastDraw = now;
    const text = this.#tty
      ? `\r\x1b[2K${this.line(now)}${final ? "\n" : ""}`
      : `${this.line(now)}\n`;
    this.#options.output.writeSync(this.#encoder.encode(text));
  }
}

/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s >= 3600) {
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  }
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}
