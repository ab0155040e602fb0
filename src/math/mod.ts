/**
 * Math answers: extract the final answer from a solution and decide whether two
 * answers are equivalent.
 *
 * @module
 */

export { extractAnswer, type ExtractOptions } from "./extract.ts";
export { normalizeAnswer } from "./normalize.ts";
export {
  AnswerComparer,
  compareAnswers,
  type ComparerOptions,
  type Comparison,
  isEquivalent,
} from "./equivalence.ts";
