/**
 * A running self-consistency vote over answers. Answers are grouped by an
 * equivalence check (for math, `isEquivalent`), not by string equality; each new
 * distinct answer string is compared once with each group's representative and the
 * result is cached by exact string, so a vote over k samples with g distinct groups
 * costs at most (distinct strings × g) comparisons.
 *
 * @module
 */

/** Decides whether two answers (or two outputs) are the same. */
export type Equivalence = (a: string, b: string) => boolean;

/** Where a running vote stands: what an early-stop rule looks at. */
export interface VoteProgress {
  /** Samples seen so far, voting or not. */
  drawn: number;
  /** Votes per group, in the order the groups were formed. */
  counts: readonly number[];
  /** The group of each sample in arrival order (`undefined`: it did not vote). */
  groups: readonly (number | undefined)[];
}

/** The leading group of a vote. */
export interface VoteLeader {
  /** The group's representative: the answer of its earliest sample. */
  answer: string;
  /** The group's position among the vote's groups. */
  group: number;
  /** Votes for the group. */
  votes: number;
}

/** Options for {@link AnswerVote}. */
export interface AnswerVoteOptions {
  /** Groups answers: two answers that it calls equal share a group. */
  equivalent: Equivalence;
}

interface Group {
  representative: string;
  votes: number;
  /** The smallest sample index in the group: ties go to the group seen first. */
  first: number;
}

/**
 * A self-consistency vote that updates as samples arrive. A sample without an answer
 * (`undefined`) does not vote; answers are taken verbatim (callers decide whether a
 * blank answer counts). Ties go to the group whose earliest sample has the smallest
 * index (with samples added in order, the answer seen first).
 *
 * @example Vote over equivalent answers
 * ```ts
 * import { AnswerVote } from "./answer_vote.ts";
 * import assert from "node:assert";
 * const vote = new AnswerVote({ equivalent: (a, b) => Number(a) === Number(b) });
 * ["0.5", "1", ".50", undefined].forEach((answer, i) => vote.add(i, answer));
 * assert.deepEqual(vote.leader(), { answer: "0.5", group: 0, votes: 2 });
 * assert.equal(vote.total, 3);
 * ```
 */
export class AnswerVote {
  readonly #equivalent: Equivalence;
  readonly #groups: Group[] = [];
  readonly #byAnswer = new Map<string, number>();
  readonly #bySample = new Map<number, number | undefined>();
  readonly #arrival: (number | undefined)[] = [];
  #total = 0;
  #comparisons = 0;

  /** Creates an empty vote. */
  constructor(options: AnswerVoteOptions) {
    this.#equivalent = options.equivalent;
  }

  /**
   * Adds sample `index` with its answer and returns the answer's group
   * (`undefined` when there is no answer). Adding an index twice keeps the first
   * answer.
   */
  add(index: number, answer: string | undefined): number | undefined {
    if (this.#bySample.has(index)) return this.#bySample.get(index);
    const key = answer;
    let group: number | undefined;
    if (key !== undefined) {
      group = this.#byAnswer.get(key);
      if (group === undefined) {
        group = this.#groups.findIndex((g) => {
          this.#comparisons++;
          return this.#equivalent(g.representative, key);
        });
        if (group < 0) {
          group = this.#groups.length;
          this.#groups.push({ representative: key, votes: 0, first: index });
        }
        this.#byAnswer.set(key, group);
      }
      const g = this.#groups[group];
      g.votes++;
      if (index < g.first) {
        g.first = index;
        g.representative = key;
      }
      this.#total++;
    }
    this.#bySample.set(index, group);
    this.#arrival.push(group);
    return group;
  }

  /** True when sample `index` was added. */
  has(index: number): boolean {
    return this.#bySample.has(index);
  }

  /** The group of sample `index` (`undefined` when it did not vote or was not added). */
  groupOf(index: number): number | undefined {
    return this.#bySample.get(index);
  }

  /** Samples added, voting or not. */
  get drawn(): number {
    return this.#arrival.length;
  }

  /** Votes cast (samples with an answer). */
  get total(): number {
    return this.#total;
  }

  /** Equivalence checks made so far. */
  get comparisons(): number {
    return this.#comparisons;
  }

  /** The group with the most votes, ties to the earliest; `undefined` before any vote. */
  leader(): VoteLeader | undefined {
    let best = -1;
    this.#groups.forEach((g, i) => {
      const b = this.#groups[best];
      if (!b || g.votes > b.votes || (g.votes === b.votes && g.first < b.first)) best = i;
    });
    const g = this.#groups[best];
    return g && { answer: g.representative, group: best, votes: g.votes };
  }

  /** What an early-stop rule needs to decide. */
  progress(): VoteProgress {
    return {
      drawn: this.drawn,
      counts: this.#groups.map((g) => g.votes),
      groups: this.#arrival,
    };
  }
}

/** Options for {@link isKept}. */
export interface KeepOptions {
  /** Fewest votes a label needs. Default 1. */
  minVotes?: number;
  /** Smallest share of the votes cast the label needs, in [0, 1]. Default 0. */
  minShare?: number;
}

/**
 * Whether a label with `votes` of `total` votes is kept.
 *
 * @example A label with too small a share is dropped
 * ```ts
 * import { isKept } from "./answer_vote.ts";
 * import assert from "node:assert";
 * assert.equal(isKept(2, 8, { minShare: 0.5 }), false);
 * assert.equal(isKept(4, 8, { minShare: 0.5 }), true);
 * ```
 */
export function isKept(votes: number, total: number, options: KeepOptions = {}): boolean {
  const { minVotes = 1, minShare = 0 } = options;
  return votes > 0 && votes >= minVotes && votes >= minShare * total;
}
