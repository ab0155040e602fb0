/**
 * Math answers: extract the final answer from a solution and decide whether two
 * answers are equivalent.
 *
 * @module
 */

export { extractAnswer, type ExtractOptions } from "./extract.ts";
