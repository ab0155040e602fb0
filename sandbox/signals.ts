/**
 * The shared buffer between a sandbox process's supervisor thread and its runtime
 * worker: slot 0 is Pyodide's interrupt flag (2 = SIGINT), slot 1 records why the
 * job was stopped (first reason wins), slot 2 is 1 while a Python worker puts its
 * interpreter back after a program. Internal to `sandbox/`.
 *
 * @module
 */

/** The job ran past its wall-clock limit. */
export const REASON_TIMEOUT = 1;
/** The job wrote more than the output cap. */
export const REASON_OUTPUT = 2;

/** View of the shared buffer. */
export interface Signals {
  flags: Int32Array;
}

/** Slot that is 1 while the worker resets its interpreter (it takes no input then). */
export const RESETTING = 2;

/** Bytes in the shared buffer. */
export const SIGNALS_BYTES = 12;

/** Records `reason` (if none was recorded) and asks the interpreter to stop. */
export function stopJob(signals: Signals, reason: number): void {
  Atomics.compareExchange(signals.flags, 1, 0, reason);
  Atomics.store(signals.flags, 0, 2);
}

/** Clears the interrupt and the reason before a job starts. */
export function clearSignals(signals: Signals): void {
  Atomics.store(signals.flags, 0, 0);
  Atomics.store(signals.flags, 1, 0);
}

/** Collects a job's output up to a byte cap; past the cap it calls `onFull`. */
export class OutputBuffer {
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #cap = Infinity;
  readonly #onFull: () => void;

  /** Creates a buffer that calls `onFull` (to stop the job) when the cap is passed. */
  constructor(onFull: () => void) {
    this.#onFull = onFull;
  }

  /** Empties the buffer and sets the cap for the next job. */
  reset(cap: number): void {
    this.#chunks = [];
    this.#bytes = 0;
    this.#cap = cap;
  }

  /** Appends bytes (copied); returns how many were consumed (all of them). */
  write(bytes: Uint8Array): number {
    const room = this.#cap - this.#bytes;
    if (bytes.length > room) {
      if (room > 0) this.#chunks.push(bytes.slice(0, room));
      this.#bytes = this.#cap;
      this.#onFull();
    } else {
      this.#chunks.push(bytes.slice());
      this.#bytes += bytes.length;
    }
    return bytes.length;
  }

  /** The collected output decoded as UTF-8 (invalid sequences replaced). */
  text(): string {
    if (this.#chunks.length === 1) return new TextDecoder().decode(this.#chunks[0]);
    const all = new Uint8Array(this.#bytes);
    let at = 0;
    for (const chunk of this.#chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return new TextDecoder().decode(all);
  }
}
