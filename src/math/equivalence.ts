/**
 * Whether two math answers are equivalent, the way a grader of competition math
 * would accept one for the other. A fast path of string normalisation and exact
 * number comparison answers most calls; expressions go to the compute engine
 * (see `latex_engine.ts`) under a time limit. Parsed forms and engine evaluations
 * are cached in bounded LRU caches.
 *
 * @module
 */

import {
  type Complex,
  evaluateLatex,
  type Evaluation,
  exactlyEqual,
  SAMPLE_POINTS,
  startEngine,
} from "./latex_engine.ts";
import { type Form, FormError, parseForm, type Relation } from "./forms.ts";
import { hasHugeNumber, nestingDepth } from "./guards.ts";
import { LruCache } from "../lru.ts";
import { extractAnswer, extractChoice } from "./extract.ts";
import { normalizeAnswer } from "./normalize.ts";
import {
  isDecimalRounding,
  isDecimalRoundingOf,
  type NumberLiteral,
  type Rational,
  rational,
  rationalEquals,
  rationalToNumber,
  roundRational,
} from "./number.ts";

/**
 * The verdict of {@link compareAnswers}: whether the answers are equivalent, the
 * rule that decided (`string`, `number`, `percent`, `decimal`, `symbolic`,
 * `structural`, `text`, `choice`, `tuple`, `set`, `interval`, `union`, `matrix`,
 * `equation`, `base`, `infinity`, `kind`), or, when `decided` is false, why no rule
 * could decide (`too_long`, `too_deep`, `too_large`, `too_many_items`, `timeout`,
 * `precision`, `unparsable`, `engine_error`, `no_value`); an undecided comparison
 * is never equivalent.
 */
export interface Comparison {
  /** The answers are equivalent. */
  equivalent: boolean;
  /** The rule that decided, or the reason none could. */
  rule: string;
  /** A rule decided; false means "not equivalent, undecided". */
  decided: boolean;
}

/** The verdict of {@link AnswerComparer.verify}: the comparison and what was compared. */
export interface Verification extends Comparison {
  /** The answer taken from the gold text, or `undefined` when it states none. */
  gold: string | undefined;
  /** The answer taken from the prediction, or `undefined` when it states none. */
  prediction: string | undefined;
}

/** An answer taken from a text: as written, and normalised (see `normalizeAnswer`). */
export interface ParsedAnswer {
  /** The answer as written in the text. */
  answer: string;
  /** Its normal form, the key that equivalence starts from. */
  normalized: string;
}

/** Options of {@link AnswerComparer}. */
export interface ComparerOptions {
  /** Parsed answers, engine evaluations and answers of gold texts kept, each. Default 10,000. */
  cacheSize?: number;
  /** Time limit of one engine evaluation, in milliseconds. Default 250. */
  timeLimitMs?: number;
  /** Time budget of one comparison, in milliseconds. Default 1,000. */
  budgetMs?: number;
  /** Longest answer judged, in characters. Default 1,000. */
  maxLength?: number;
  /** Deepest bracket nesting judged. Default 24. */
  maxDepth?: number;
  /** Most items in one tuple, set or matrix row. Default 64. */
  maxItems?: number;
  /**
   * Compare a decimal with another number rounded to this many decimal places, both
   * sides (`0.333` ≡ `\frac{1}{3}` with 3, not with 4). Default: a decimal stands for
   * an exact value when it is that value correctly rounded and within 1e-4 relative
   * error (see {@link compareAnswers}).
   */
  precision?: number;
  /**
   * No leniency, for evaluation: units are kept, a decimal must equal the exact value
   * (or match it at `precision`), `50%` is only `\frac{1}{2}`, a set is not its single
   * element nor a tuple, a base numeral needs its base, labels must be the same
   * (`x=5` ≢ `y=5`), no decimal comma. Default `false`.
   */
  strict?: boolean;
}

type Parsed = { form: Form } | { reason: string };

const RELATIVE_TOLERANCE = 1e-9;

function decided(equivalent: boolean, rule: string): Comparison {
  return { equivalent, rule, decided: true };
}

function undecided(rule: string): Comparison {
  return { equivalent: false, rule, decided: false };
}

function closeComplex(a: Complex, b: Complex): boolean {
  const scale = Math.max(1, Math.hypot(a.re, a.im), Math.hypot(b.re, b.im));
  return Math.hypot(a.re - b.re, a.im - b.im) <= RELATIVE_TOLERANCE * scale;
}

/** The values a number may stand for: `50%` is 50 or 1/2 (only 1/2 when strict). */
function numberReadings(
  literal: NumberLiteral,
  strict: boolean,
): { value: Rational; decimals?: number }[] {
  const plain = { value: literal.value, decimals: literal.decimals };
  if (!literal.percent) return [plain];
  const hundredth = rational(literal.value.n, literal.value.d * 100n)!;
  const decimals = literal.decimals === undefined ? undefined : literal.decimals + 2;
  return strict ? [{ value: hundredth, decimals }] : [plain, { value: hundredth, decimals }];
}

/**
 * Decides whether answers are equivalent, caching parsed forms and engine
 * evaluations. One instance per process is enough ({@link compareAnswers} and
 * {@link isEquivalent} share one); create another for separate limits or caches.
 *
 * @example A comparer with a small cache
 * ```ts
 * import { AnswerComparer } from "./equivalence.ts";
 * import assert from "node:assert";
 * const comparer = new AnswerComparer({ cacheSize: 100 });
 * assert.equal(comparer.compare("\\frac{1}{2}", "0.5").rule, "number");
 * assert.equal(comparer.isEquivalent("(1,2)", "(2,1)"), false);
 * ```
 */
export class AnswerComparer {
  readonly #forms: LruCache<string, Parsed>;
  readonly #evaluations: LruCache<string, Evaluation>;
  /** Answers taken from gold texts, which are verified against many predictions. */
  readonly #golds: LruCache<string, { answer: string | undefined }>;
  readonly #timeLimitMs: number;
  readonly #budgetMs: number;
  readonly #maxLength: number;
  readonly #maxDepth: number;
  readonly #maxItems: number;
  readonly #precision: number | undefined;
  readonly #strict: boolean;
  #deadline = 0;

  /** Creates a comparer; see {@link ComparerOptions} for the defaults. */
  constructor(options: ComparerOptions = {}) {
    this.#forms = new LruCache(options.cacheSize ?? 10_000);
    this.#evaluations = new LruCache(options.cacheSize ?? 10_000);
    this.#golds = new LruCache(options.cacheSize ?? 10_000);
    this.#timeLimitMs = options.timeLimitMs ?? 250;
    this.#budgetMs = options.budgetMs ?? 1_000;
    this.#maxLength = options.maxLength ?? 1_000;
    this.#maxDepth = options.maxDepth ?? 24;
    this.#maxItems = options.maxItems ?? 64;
    this.#precision = options.precision;
    this.#strict = options.strict ?? false;
  }

  /**
   * Takes the answer out of a text (a full solution or a bare answer) the way
   * {@link verifyAnswer} does, and normalises it; `undefined` when it states none.
   */
  parse(text: string): ParsedAnswer | undefined {
    const answer = extractAnswer(text, { prose: true });
    if (answer === undefined) return undefined;
    return { answer, normalized: normalizeAnswer(answer, { strict: this.#strict }) };
  }

  /**
   * Whether `prediction` answers like `gold`; both may be full solutions or bare
   * answers. The gold answer is taken first; when it is a multiple-choice letter,
   * the prediction's letter is looked for in its prose too (`A. Because …`).
   */
  verify(gold: string, prediction: string): Verification {
    const take = () => ({ answer: extractAnswer(gold, { prose: true }) });
    // Short golds (bare answers) are cached; a long gold solution is read each time.
    const { answer: expected } = gold.length <= this.#maxLength
      ? this.#golds.getOrCompute(gold, take)
      : take();
    if (expected === undefined) {
      return { ...undecided("no_gold"), gold: expected, prediction: undefined };
    }
    const answer = isChoice(expected)
      ? extractChoice(prediction)
      : extractAnswer(prediction, { prose: true });
    if (answer === undefined) {
      return { ...decided(false, "no_answer"), gold: expected, prediction: answer };
    }
    return { ...this.compare(expected, answer), gold: expected, prediction: answer };
  }

  /** Whether `a` and `b` are equivalent answers; see {@link compareAnswers}. */
  isEquivalent(a: string, b: string): boolean {
    return this.compare(a, b).equivalent;
  }

  /** Compares two answers and says which rule decided; see {@link compareAnswers}. */
  compare(a: string, b: string): Comparison {
    if (a === b) return decided(true, "string");
    const left = this.#parse(a);
    const right = this.#parse(b);
    if ("reason" in left) return undecided(left.reason);
    if ("reason" in right) return undecided(right.reason);
    this.#deadline = performance.now() + this.#budgetMs;
    return this.#compareForms(left.form, right.form);
  }

  /** Cache sizes and hit counts of the parsed-form and evaluation caches. */
  get cacheStats(): {
    forms: { hits: number; misses: number };
    evaluations: { hits: number; misses: number };
  } {
    return { forms: this.#forms.stats, evaluations: this.#evaluations.stats };
  }

  /** Empties the caches. */
  clearCache(): void {
    this.#forms.clear();
    this.#evaluations.clear();
    this.#golds.clear();
  }

  #parse(answer: string): Parsed {
    return this.#forms.getOrCompute(answer, () => {
      if (answer.length > this.#maxLength) return { reason: "too_long" };
      if (nestingDepth(answer) > this.#maxDepth) return { reason: "too_deep" };
      if (hasHugeNumber(answer)) return { reason: "too_large" };
      const key = normalizeAnswer(answer, { strict: this.#strict });
      if (key === "") return { reason: "unparsable" };
      try {
        return { form: parseForm(key, { maxItems: this.#maxItems, strict: this.#strict }) };
      } catch (error) {
        if (error instanceof FormError) return { reason: "too_many_items" };
        throw error;
      }
    });
  }

  /**
   * The engine's evaluation of `latex`, cached; a timeout under a limit cut short by
   * the comparison's budget is not cached, so a later comparison can still decide.
   */
  #evaluate(latex: string): Evaluation {
    const cached = this.#evaluations.get(latex);
    if (cached) return cached;
    this.#deadline += startEngine();
    const limit = Math.min(this.#timeLimitMs, this.#deadline - performance.now());
    if (limit <= 0) return { status: "timeout" };
    const evaluation = evaluateLatex(latex, { timeLimitMs: limit });
    if (evaluation.status !== "timeout" || limit === this.#timeLimitMs) {
      this.#evaluations.set(latex, evaluation);
    }
    return evaluation;
  }

  #compareForms(a: Form, b: Form): Comparison {
    if (a.key === b.key) return decided(true, "string");
    if (a.kind === "equation" || b.kind === "equation") return this.#compareEquations(a, b);
    if (a.kind === "relation" || b.kind === "relation") return this.#compareRelations(a, b);
    const decimalComma = this.#decimalComma(a, b) ?? this.#decimalComma(b, a);
    if (decimalComma) return decimalComma;
    if (a.kind === "number" && b.kind === "number") {
      return this.#compareNumbers(a.literal, b.literal);
    }
    if (isScalar(a) && isScalar(b)) return this.#compareScalars(a, b);
    if (a.kind === "text" && b.kind === "text") {
      return decided(a.text.replace(/\s+/g, " ") === b.text.replace(/\s+/g, " "), "text");
    }
    if (a.kind === "choice" && b.kind === "choice") return decided(a.letter === b.letter, "choice");
    if (a.kind === "base" || b.kind === "base") return compareNumerals(a, b, this.#strict);
    if (a.kind === "infinity" || b.kind === "infinity") {
      const same = a.kind === "infinity" && b.kind === "infinity" && a.negative === b.negative;
      return decided(same, "infinity");
    }
    return this.#compareCollections(a, b);
  }

  /** A list like `1,22` against a single number: the list read with a decimal comma. */
  #decimalComma(list: Form, other: Form): Comparison | undefined {
    if (this.#strict || list.kind !== "set" || !list.decimalComma || !isScalar(other)) {
      return undefined;
    }
    const literal = list.decimalComma;
    return this.#compareForms({ kind: "number", key: `${list.key}(decimal)`, literal }, other);
  }

  #compareNumbers(a: NumberLiteral, b: NumberLiteral): Comparison {
    for (const x of numberReadings(a, this.#strict)) {
      for (const y of numberReadings(b, this.#strict)) {
        const rule = this.#numbersEqual(x, y);
        if (rule) return decided(true, a.percent || b.percent ? "percent" : rule);
      }
    }
    return decided(false, "number");
  }

  #numbersEqual(
    a: { value: Rational; decimals?: number },
    b: { value: Rational; decimals?: number },
  ): "number" | "decimal" | undefined {
    if (rationalEquals(a.value, b.value)) return "number";
    if (a.decimals === undefined && b.decimals === undefined) return undefined;
    if (this.#precision !== undefined) {
      const digits = this.#precision;
      return roundRational(a.value, digits) === roundRational(b.value, digits)
        ? "decimal"
        : undefined;
    }
    if (this.#strict) return undefined;
    if (a.decimals !== undefined && b.decimals === undefined) {
      return isDecimalRounding(a.value, a.decimals, b.value) ? "decimal" : undefined;
    }
    if (b.decimals !== undefined && a.decimals === undefined) {
      return isDecimalRounding(b.value, b.decimals, a.value) ? "decimal" : undefined;
    }
    return undefined;
  }

  /** Whether a decimal written with `decimals` digits stands for the value `exact`. */
  #decimalFor(decimal: number, decimals: number, exact: number): boolean {
    if (this.#precision !== undefined) {
      const scale = 10 ** this.#precision;
      return Math.round(decimal * scale) === Math.round(exact * scale);
    }
    return !this.#strict && isDecimalRoundingOf(decimal, decimals, exact);
  }

  /** Numbers and expressions: by value through the engine. */
  #compareScalars(a: Scalar, b: Scalar): Comparison {
    const left = this.#scalarValues(a);
    const right = this.#scalarValues(b);
    if ("comparison" in left) return left.comparison;
    if ("comparison" in right) return right.comparison;
    if (left.structure !== undefined && left.structure === right.structure) {
      return decided(true, "structural");
    }
    if (!left.readings || !right.readings) return undecided("no_value");
    for (const x of left.readings) {
      for (const y of right.readings) {
        if (x.values.length !== y.values.length) continue;
        const equal = x.decimals !== undefined && y.decimals === undefined
          ? this.#decimalFor(x.values[0].re, x.decimals, y.values[0].re) &&
            isRealConstant(y.values)
          : y.decimals !== undefined && x.decimals === undefined
          ? this.#decimalFor(y.values[0].re, y.decimals, x.values[0].re) &&
            isRealConstant(x.values)
          : x.values.every((value, i) => closeComplex(value, y.values[i]));
        if (
          equal && x.decimals === undefined && y.decimals === undefined && beyondDoubles(x.values)
        ) {
          const exact = this.#exactlyEqual(a.key, b.key);
          if (exact === undefined) return undecided("precision");
          if (!exact) continue;
        }
        if (equal) {
          const rule = x.decimals !== undefined || y.decimals !== undefined
            ? "decimal"
            : "symbolic";
          return decided(true, a.kind === "number" && a.literal.percent ? "percent" : rule);
        }
      }
    }
    return decided(false, "symbolic");
  }

  #scalarValues(form: Scalar):
    | { comparison: Comparison }
    | { readings?: { values: Complex[]; decimals?: number }[]; structure?: string } {
    if (form.kind === "number") {
      const readings = numberReadings(form.literal, this.#strict).map(({ value, decimals }) => {
        const re = rationalToNumber(value);
        return { values: Array.from({ length: SAMPLE_POINTS }, () => ({ re, im: 0 })), decimals };
      });
      return { readings };
    }
    const evaluation = this.#evaluate(form.key);
    switch (evaluation.status) {
      case "values":
        return { readings: [{ values: evaluation.values }], structure: evaluation.structure };
      case "symbolic":
        return { structure: evaluation.structure };
      case "timeout":
        return { comparison: undecided("timeout") };
      case "invalid":
        return { comparison: undecided("unparsable") };
      case "failed":
        return { comparison: undecided("engine_error") };
    }
  }

  #exactlyEqual(a: string, b: string): boolean | undefined {
    const remaining = this.#deadline - performance.now();
    if (remaining <= 0) return undefined;
    return exactlyEqual(a, b, { timeLimitMs: Math.min(this.#timeLimitMs, remaining) });
  }

  /**
   * `x = 5` is `5` when its left side is a label (see `isLabel`); two equations are
   * the same when their `lhs - rhs` are proportional, or (not strict) when both name
   * a constant value, whatever the names (`x=5` ≡ `y=5`, but `y=x+1` ≢ `x=x+1`).
   */
  #compareEquations(a: Form, b: Form): Comparison {
    if (a.kind === "equation" && b.kind === "equation") {
      if (a.lhs === b.lhs) return this.#compareForms(a.rhs, b.rhs);
      if (!isScalar(a.rhs) || !isScalar(b.rhs)) {
        return a.label && b.label && !this.#strict
          ? this.#compareForms(a.rhs, b.rhs)
          : decided(false, "equation");
      }
      const proportional = this.#proportional(
        `(${a.lhs})-(${a.rhs.key})`,
        `(${b.lhs})-(${b.rhs.key})`,
        false,
      );
      if (proportional.equivalent || this.#strict || !a.label || !b.label) return proportional;
      if (!this.#isConstant(a.rhs) || !this.#isConstant(b.rhs)) return proportional;
      return this.#compareForms(a.rhs, b.rhs);
    }
    const equation = (a.kind === "equation" ? a : b) as Extract<Form, { kind: "equation" }>;
    const other = a.kind === "equation" ? b : a;
    if (!equation.label) return decided(false, "equation");
    return this.#compareForms(equation.rhs, other);
  }

  /** A value with no free variable. */
  #isConstant(form: Form): boolean {
    if (form.kind === "expression") {
      const evaluation = this.#evaluate(form.key);
      return evaluation.status === "values" && evaluation.variables.length === 0;
    }
    return isScalar(form);
  }

  /**
   * Inequalities: `a < b` and `c < d` are the same when `b - a` and `d - c` are
   * positive multiples of each other (`x<1` ≡ `-x>-1`); an interval with one infinite
   * end is the inequality on the other side's only variable (`-x>-1` ≡ `(-\infty,1)`).
   */
  #compareRelations(a: Form, b: Form): Comparison {
    const left = this.#relationOf(a, b);
    const right = this.#relationOf(b, a);
    if (!left || !right) return decided(false, "relation");
    const closed = (op: string) => op.startsWith("\\");
    if (closed(left.op) !== closed(right.op)) return decided(false, "relation");
    return this.#proportional(gap(left), gap(right), true);
  }

  #relationOf(form: Form, other: Form): Relation | undefined {
    if (form.kind === "relation") return form.relation;
    if (form.kind === "interval" && form.relation) return form.relation;
    const interval = asInterval(form);
    if (!interval || other.kind !== "relation") return undefined;
    const evaluation = this.#evaluate(gap(other.relation));
    if (evaluation.status !== "values" || evaluation.variables.length !== 1) return undefined;
    const [variable] = evaluation.variables;
    const { low, high } = interval;
    if (low.kind === "infinity" && low.negative && high.kind !== "infinity") {
      return { lhs: variable, op: interval.highClosed ? "\\leq" : "<", rhs: high.key };
    }
    if (high.kind === "infinity" && !high.negative && low.kind !== "infinity") {
      return { lhs: variable, op: interval.lowClosed ? "\\geq" : ">", rhs: low.key };
    }
    return undefined;
  }

  /**
   * Two equations `f = 0` and `g = 0` are the same when `f / g` is a non-zero
   * constant; two inequalities `f > 0` and `g > 0` when it is a positive one.
   */
  #proportional(f: string, g: string, positive: boolean): Comparison {
    const rule = positive ? "relation" : "equation";
    const left = this.#evaluate(f);
    const right = this.#evaluate(g);
    if (left.status === "timeout" || right.status === "timeout") return undecided("timeout");
    if (left.status !== "values" || right.status !== "values") {
      return left.status === "symbolic" && right.status === "symbolic" &&
          left.structure === right.structure
        ? decided(true, "structural")
        : undecided("no_value");
    }
    const ratios = left.values.map((value, i) => {
      const other = right.values[i];
      const norm = other.re * other.re + other.im * other.im;
      return norm === 0 ? { re: NaN, im: NaN } : {
        re: (value.re * other.re + value.im * other.im) / norm,
        im: (value.im * other.re - value.re * other.im) / norm,
      };
    });
    const constant = ratios.every((ratio) =>
      Number.isFinite(ratio.re) && closeComplex(ratio, ratios[0])
    );
    const [ratio] = ratios;
    const sign = positive
      ? ratio.re > 0 && Math.abs(ratio.im) < 1e-9
      : Math.hypot(ratio.re, ratio.im) > 0;
    return decided(constant && sign, rule);
  }

  #compareCollections(a: Form, b: Form): Comparison {
    if (!this.#strict) {
      if (a.kind === "set" && a.items.length === 1) return this.#compareForms(a.items[0], b);
      if (b.kind === "set" && b.items.length === 1) return this.#compareForms(a, b.items[0]);
    }
    const left = asInterval(a);
    const right = asInterval(b);
    if (left && right && (a.kind === "interval" || b.kind === "interval")) {
      if (left.lowClosed !== right.lowClosed || left.highClosed !== right.highClosed) {
        return decided(false, "interval");
      }
      return this.#all([[left.low, right.low], [left.high, right.high]], "interval");
    }
    const ordered = [asSequence(a), asSequence(b)];
    if ((a.kind === "union" || b.kind === "union") && a.kind in UNORDERED && b.kind in UNORDERED) {
      // A union is also a list of its parts: `x<-2 or x>2` is `(-\infty,-2)\cup(2,\infty)`.
      return this.#unordered(itemsOf(a), itemsOf(b), "union");
    }
    if (a.kind === "set" && b.kind === "set") return this.#unordered(a.items, b.items, "set");
    if (a.kind === "matrix" && b.kind === "matrix") {
      if (
        a.rows.length !== b.rows.length ||
        a.rows.some((row, i) => row.length !== b.rows[i].length)
      ) return decided(false, "matrix");
      return this.#all(
        a.rows.flatMap((row, i) => row.map((cell, j) => [cell, b.rows[i][j]] as [Form, Form])),
        "matrix",
      );
    }
    const [x, y] = ordered;
    if (this.#strict && (a.kind === "set") !== (b.kind === "set")) return decided(false, "kind");
    if (x && y && (a.kind !== "set" || b.kind !== "set")) {
      if (x.length !== y.length) return decided(false, "tuple");
      return this.#all(x.map((item, i) => [item, y[i]] as [Form, Form]), "tuple");
    }
    return decided(false, "kind");
  }

  /** Every pair equivalent: decided false as soon as one pair is decided false. */
  #all(pairs: [Form, Form][], rule: string): Comparison {
    let open: Comparison | undefined;
    for (const [x, y] of pairs) {
      const result = this.#compareForms(x, y);
      if (result.equivalent) continue;
      if (result.decided) return decided(false, rule);
      open ??= result;
    }
    return open ?? decided(true, rule);
  }

  /** Same elements in any order, each element of either side matched on the other. */
  #unordered(a: Form[], b: Form[], rule: string): Comparison {
    let open: Comparison | undefined;
    for (const [items, others] of [[a, b], [b, a]]) {
      for (const item of items) {
        let pending: Comparison | undefined;
        const matched = others.some((other) => {
          const result = this.#compareForms(item, other);
          if (!result.decided) pending ??= result;
          return result.equivalent;
        });
        if (matched) continue;
        if (!pending) return decided(false, rule);
        open ??= pending;
      }
    }
    return open ?? decided(true, rule);
  }
}

/** A multiple-choice letter, as `C`, `(C)`, `\\text{(C)}` or `\\textbf{C}`. */
function isChoice(answer: string): boolean {
  return /^\s*(?:\\text(?:bf)?\s*\{)?\s*\(?[A-Ea-e]\)?\s*\}?\s*$/.test(answer) &&
    /^[A-E]$|\([A-Ea-e]\)|\{\s*\(?[A-E]\)?\s*\}/.test(answer.trim());
}

/** `b - a` for `a < b` or `a \\leq b`, `a - b` for `a > b` or `a \\geq b`: positive when it holds. */
function gap(relation: Relation): string {
  const { lhs, op, rhs } = relation;
  return op === "<" || op === "\\leq" ? `(${rhs})-(${lhs})` : `(${lhs})-(${rhs})`;
}

/**
 * A numeral in another base (`52_8`) matches the same digits in the same base, or
 * the same digits written without the base (the question names it; not when strict),
 * never its value in base ten: `42` does not answer "write 34 in base 8".
 */
function compareNumerals(a: Form, b: Form, strict: boolean): Comparison {
  const digits = (form: Form) =>
    form.kind === "base"
      ? form.digits
      : form.kind === "number" && form.literal.value.d === 1n && !form.literal.percent
      ? form.literal.value.n.toString()
      : undefined;
  const baseOf = (form: Form) => (form.kind === "base" ? form.base : undefined);
  const [left, right] = [baseOf(a), baseOf(b)];
  const sameBase = strict
    ? left === right
    : left === undefined || right === undefined || left === right;
  return decided(sameBase && digits(a) !== undefined && digits(a) === digits(b), "base");
}

type Scalar = Extract<Form, { kind: "number" | "expression" }>;

function isScalar(form: Form): form is Scalar {
  return form.kind === "number" || form.kind === "expression";
}

/**
 * A constant too large for doubles within the relative tolerance to tell apart
 * from its neighbour integer (above 1e15).
 */
function beyondDoubles(values: Complex[]): boolean {
  return values.every((value) => closeComplex(value, values[0])) &&
    Math.hypot(values[0].re, values[0].im) > 1e15;
}

/** The same real value at every sample point. */
function isRealConstant(values: Complex[]): boolean {
  return values.every((value) =>
    closeComplex(value, values[0]) &&
    Math.abs(value.im) <= RELATIVE_TOLERANCE * Math.max(1, Math.abs(value.re))
  );
}

const UNORDERED = { union: true, set: true };

function itemsOf(form: Form): Form[] {
  return form.kind === "union" || form.kind === "set" ? form.items : [form];
}

/** An interval, or a pair `(a,b)` read as the open interval. */
function asInterval(form: Form):
  | { low: Form; high: Form; lowClosed: boolean; highClosed: boolean }
  | undefined {
  if (form.kind === "interval") return form;
  if (form.kind === "tuple" && form.items.length === 2) {
    return { low: form.items[0], high: form.items[1], lowClosed: false, highClosed: false };
  }
  return undefined;
}

/** The items of a tuple, comma list, or one-row or one-column matrix, in order. */
function asSequence(form: Form): Form[] | undefined {
  if (form.kind === "tuple" || form.kind === "set") return form.items;
  if (form.kind === "matrix") {
    if (form.rows.length === 1) return form.rows[0];
    if (form.rows.every((row) => row.length === 1)) return form.rows.map((row) => row[0]);
  }
  return undefined;
}

/** The judging options of {@link verifyAnswer}, {@link compareAnswers} and the rest. */
export type JudgeOptions = Pick<ComparerOptions, "precision" | "strict">;

const comparers = new Map<string, AnswerComparer>();

/** The process-wide comparer for these judging options (one per combination). */
function shared(options: JudgeOptions = {}): AnswerComparer {
  const key = `${options.strict ?? false}/${options.precision ?? ""}`;
  let comparer = comparers.get(key);
  if (!comparer) {
    comparer = new AnswerComparer(options);
    comparers.set(key, comparer);
  }
  return comparer;
}

/**
 * Compares two answers and says why: which rule decided, or that none could
 * (`decided: false`, never equivalent). Never throws; a pathological input (over
 * 1,000 characters, brackets nested deeper than 24, an engine evaluation over its
 * time limit) returns undecided within a bounded time.
 *
 * Rules, tried on the normalised answers (see `normalizeAnswer`): equal strings;
 * exact numbers (integers, decimals, thousands separators, fractions in any LaTeX
 * spelling, mixed numbers, scientific notation); a decimal for an exact value when
 * it is that value correctly rounded and within 1e-4 relative error; percentages
 * (`50%` is 50 or 0.5); a decimal comma (`1000,99`) against a single number;
 * expressions by the compute engine at three sample points of their free variables
 * (radicals, π, `\frac{x+1}{2}` vs `0.5x+0.5`); a labelled answer as its value
 * (`x = 5`, `(p,q)=(3,2)`, `|AB|=1`; see `isLabel` in `forms.ts`) and a chain as its last member
 * (`x = 5+5+1 = 11`); equations up to a constant factor; inequalities up to a
 * positive factor (`x<1` vs `-x>-1`) and against half-lines; ordered tuples and
 * points; intervals with their open/closed ends, unions and sets in any order;
 * matrices and vectors by element (sums and products of number matrices evaluated);
 * multiple-choice letters; plain text case-insensitively. `options.precision` and
 * `options.strict` as in {@link ComparerOptions}.
 *
 * @example Why two answers match
 * ```ts
 * import { compareAnswers } from "./equivalence.ts";
 * import assert from "node:assert";
 * assert.deepEqual(compareAnswers("10{,}000", "10000"), { equivalent: true, rule: "string", decided: true });
 * assert.equal(compareAnswers("2\\sqrt{3}", "\\sqrt{12}").equivalent, true);
 * assert.equal(compareAnswers("[1,2)", "[1,2]").equivalent, false);
 * assert.equal(compareAnswers("10^{10^{10}}", "10^{10^{10}}+1").decided, false);
 * ```
 */
export function compareAnswers(a: string, b: string, options?: JudgeOptions): Comparison {
  return shared(options).compare(a, b);
}

/**
 * Whether a grader of competition math would accept answer `a` for answer `b`;
 * see {@link compareAnswers} for the rules.
 *
 * @example Equivalent spellings, and look-alikes that are not
 * ```ts
 * import { isEquivalent } from "./equivalence.ts";
 * import assert from "node:assert";
 * assert.equal(isEquivalent("\\dfrac{3}{8}", "0.375"), true);
 * assert.equal(isEquivalent("\\frac{3}{8}", "\\frac{3}{4}"), false);
 * assert.equal(isEquivalent("x = 5", "5"), true);
 * ```
 */
export function isEquivalent(a: string, b: string, options?: JudgeOptions): boolean {
  return shared(options).compare(a, b).equivalent;
}

/**
 * Whether `prediction` gives the answer of `gold`, in one call like the field's
 * verifiers: both may be full solutions or bare answers. The answer is taken from
 * each (the last box, unless an answer phrase follows it; an answer phrase; a bare
 * answer; the last math or number in prose — see `extractAnswer` with `prose`), a
 * multiple-choice gold letter is looked for in the prediction's prose, and the two
 * are compared by {@link compareAnswers}. `precision` and `strict` as in
 * {@link ComparerOptions}.
 *
 * @example Full solutions and bare answers
 * ```ts
 * import { verifyAnswer } from "./equivalence.ts";
 * import assert from "node:assert";
 * assert.equal(verifyAnswer("$34$", "Final Answer: The largest $n$ is 34."), true);
 * assert.equal(verifyAnswer("(p,q)=(3,2)", "So the pair is $\\boxed{(3, 2)}$."), true);
 * assert.equal(verifyAnswer("x < 1", "We find that $-x > -1$."), true);
 * assert.equal(verifyAnswer("\\frac{1}{3}", "0.333", { precision: 3 }), true);
 * assert.equal(verifyAnswer("\\frac{1}{3}", "0.333", { precision: 4 }), false);
 * assert.equal(verifyAnswer("5", "5\\text{ cm}", { strict: true }), false);
 * ```
 */
export function verifyAnswer(gold: string, prediction: string, options?: JudgeOptions): boolean {
  return shared(options).verify(gold, prediction).equivalent;
}

/**
 * The answer of a text (a full solution or a bare answer), as written and
 * normalised, the way {@link verifyAnswer} reads it; `undefined` when it states none.
 *
 * @example
 * ```ts
 * import { parseAnswer } from "./equivalence.ts";
 * import assert from "node:assert";
 * assert.deepEqual(parseAnswer("The distance is $\\boxed{125\\textnormal{ miles}}$."), {
 *   answer: "125\\textnormal{ miles}",
 *   normalized: "125",
 * });
 * assert.equal(parseAnswer("We find that $x >= 3$.")?.normalized, "x\\geq 3");
 * assert.equal(parseAnswer("32, 349")?.normalized, "32, 349");
 * ```
 */
export function parseAnswer(text: string, options?: JudgeOptions): ParsedAnswer | undefined {
  return shared(options).parse(text);
}
