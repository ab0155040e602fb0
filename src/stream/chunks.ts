/**
 * How items move between stages: in chunks. A stage's output is an ordinary
 * `AsyncIterable<T>` (one item per `next()`), and it also offers a
 * {@link ChunkReader} under a private symbol, so the next stage takes whole arrays
 * of items at once: the per-item promise of `for await` is paid once at the end of
 * a chain, not once per stage. Internal to the stream combinators.
 *
 * @module
 */
import { AbortedError } from "../errors.ts";
import { closeIterator } from "./notifier.ts";

/** Most items a chunk holds. */
export const MAX_CHUNK = 1024;

/** Reads a stream a chunk at a time. */
export interface ChunkReader<T> {
  /**
   * Resolves with at least one item (about `max`; never waits to fill a chunk once
   * it has an item and the next would need waiting), or `undefined` at the end.
   */
  read(max: number): Promise<T[] | undefined>;
  /** Stops reading and releases the source (its `return()` runs). Idempotent. */
  close(): Promise<void>;
}

const CHUNKS: unique symbol = Symbol("pfpo.stream.chunks");

/** An async iterable that also hands out its items in chunks. */
export interface ChunkedIterable<T> extends AsyncIterable<T> {
  /** Opens the stream for chunked reading (a stream is read once). */
  [CHUNKS](): ChunkReader<T>;
}

/** A chunk reader over any async or sync iterable (chunked sources are read as chunks). */
export function readerOf<T>(source: AsyncIterable<T> | Iterable<T>): ChunkReader<T> {
  const chunked = (source as Partial<ChunkedIterable<T>>)[CHUNKS];
  if (chunked) return chunked.call(source);
  if (Symbol.asyncIterator in source) return new Gatherer(source[Symbol.asyncIterator]());
  return new SyncReader(source[Symbol.iterator]());
}

/** A stream whose items come from `open()`'s reader, read per item or per chunk. */
export function chunkedStream<T>(open: () => ChunkReader<T>): ChunkedIterable<T> {
  let opened = false;
  const once = () => {
    if (opened) throw new TypeError("Cannot read a stream twice: stages are read once");
    opened = true;
    return open();
  };
  return {
    [CHUNKS]: once,
    [Symbol.asyncIterator]: () => new ItemIterator(once()),
  };
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * The per-item view of a chunk reader. Chunk requests start at one item and double
 * while the consumer keeps reading, so a consumer that stops early has pulled little.
 */
class ItemIterator<T> implements AsyncIterableIterator<T> {
  readonly #reader: ChunkReader<T>;
  #chunk: T[] = [];
  #position = 0;
  #size = 1;
  #done = false;

  constructor(reader: ChunkReader<T>) {
    this.#reader = reader;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#position < this.#chunk.length) {
      return Promise.resolve({ value: this.#chunk[this.#position++], done: false });
    }
    if (this.#done) return Promise.resolve(DONE);
    return this.#reader.read(this.#size).then((chunk) => {
      if (!chunk) {
        this.#done = true;
        this.#chunk = [];
        return DONE;
      }
      if (this.#size < MAX_CHUNK) this.#size *= 2;
      this.#chunk = chunk;
      this.#position = 1;
      return { value: chunk[0], done: false };
    }, (error) => {
      this.#done = true;
      throw error;
    });
  }

  async return(): Promise<IteratorResult<T>> {
    this.#done = true;
    this.#chunk = [];
    await this.#reader.close();
    return DONE;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

/** Chunks of a sync iterable, read without waiting. */
class SyncReader<T> implements ChunkReader<T> {
  readonly #iterator: Iterator<T>;
  #done = false;

  constructor(iterator: Iterator<T>) {
    this.#iterator = iterator;
  }

  read(max: number): Promise<T[] | undefined> {
    const out: T[] = [];
    try {
      while (!this.#done && out.length < max) {
        const result = this.#iterator.next();
        if (result.done) this.#done = true;
        else out.push(result.value);
      }
    } catch (error) {
      this.#done = true;
      return Promise.reject(error);
    }
    return Promise.resolve(out.length ? out : undefined);
  }

  close(): Promise<void> {
    if (!this.#done) {
      this.#done = true;
      this.#iterator.return?.();
    }
    return Promise.resolve();
  }
}

interface ChunkRequest<T> {
  max: number;
  resolve: (chunk: T[] | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Chunks of a per-item async source: items are read one after another while they
 * arrive within the same turn of the event loop; a chunk is handed over when it is
 * full, when the source ends, or as soon as it holds an item and the event loop has
 * turned (so a slow source's items are never held back).
 */
class Gatherer<T> implements ChunkReader<T> {
  readonly #iterator: AsyncIterator<T>;
  #queue: T[] = [];
  #reading = false;
  #ended = false;
  #closed = false;
  #failure: { error: unknown } | undefined;
  #request: ChunkRequest<T> | undefined;
  #expired = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(iterator: AsyncIterator<T>) {
    this.#iterator = iterator;
  }

  read(max: number): Promise<T[] | undefined> {
    if (this.#queue.length >= max || (this.#queue.length > 0 && this.#ended)) {
      return Promise.resolve(this.#take(max));
    }
    if (this.#ended) {
      return this.#failure ? Promise.reject(this.#failure.error) : Promise.resolve(undefined);
    }
    return new Promise((resolve, reject) => {
      this.#request = { max, resolve, reject };
      this.#expired = false;
      // One timer stays armed across requests: a source whose items arrive within
      // microtasks never lets it fire, so a fast stream pays for it once.
      this.#timer ??= setTimeout(this.#expire, 0);
      if (!this.#reading) this.#pull();
    });
  }

  #take(max: number): T[] {
    if (this.#queue.length <= max) {
      const chunk = this.#queue;
      this.#queue = [];
      return chunk;
    }
    return this.#queue.splice(0, max);
  }

  /**
   * Reads items until the request is answered (full, ended, or a macrotask has
   * passed). Driven by callbacks rather than an `async` loop: one promise reaction
   * per item, as a plain `for await` pays.
   */
  #pull(): void {
    this.#reading = true;
    try {
      this.#iterator.next().then(this.#onResult, this.#onFailure);
    } catch (error) {
      this.#onFailure(error);
    }
  }

  #onResult = (result: IteratorResult<T>): void => {
    this.#reading = false;
    if (this.#closed) return;
    if (typeof result !== "object" || result === null) {
      return this.#onFailure(new TypeError(`Iterator result ${result} is not an object`));
    }
    if (result.done) this.#ended = true;
    else this.#queue.push(result.value);
    const request = this.#request;
    if (!request) return;
    if (this.#ended || this.#queue.length >= request.max || this.#expired) return this.#settle();
    this.#pull();
  };

  #onFailure = (error: unknown): void => {
    this.#reading = false;
    if (this.#closed) return;
    this.#ended = true;
    this.#failure = { error };
    if (this.#request) this.#settle();
  };

  #expire = (): void => {
    this.#timer = undefined;
    this.#expired = true;
    if (this.#request && this.#queue.length > 0) this.#settle();
  };

  #settle(): void {
    if (this.#ended) this.#disarm();
    const request = this.#request as ChunkRequest<T>;
    this.#request = undefined;
    if (this.#queue.length > 0) request.resolve(this.#take(request.max));
    else if (this.#failure) request.reject(this.#failure.error);
    else request.resolve(undefined);
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#disarm();
    this.#queue = [];
    const request = this.#request;
    this.#request = undefined;
    request?.reject(new AbortedError("The consumer stopped"));
    if (!this.#ended) {
      this.#ended = true;
      await closeIterator(this.#iterator, this.#reading);
    }
  }
}
