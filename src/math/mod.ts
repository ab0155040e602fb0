/**
 * Math answers: extract the final answer from a solution and decide whether two
 * answers are equivalent.
 *
 * @module
 */

export { extractAnswer, extractChoice, type ExtractOptions } from "./extract.ts";
export { normalizeAnswer, type NormalizeOptions } from "./normalize.ts";
export {
  AnswerComparer,
  compareAnswers,
  type ComparerOptions,
  type Comparison,
  isEquivalent,
  type JudgeOptions,
  parseAnswer,
  type ParsedAnswer,
  type Verification,
  verifyAnswer,
} from "./equivalence.ts";
