/**
 * The table of answer forms that `verifyAnswer` is judged on: real model outputs (tails
 * of Qwen2.5-Math responses from `../shared/data/math_samples`, GSM8K solutions) and
 * new ones written in the forms that reasoning models produce, each with the expected
 * verdict and why. Every leniency has a case that shows where it stops. Used by
 * `tests/math_cases_test.ts` and `bench/math.ts`.
 *
 * @module
 */
import type { JudgeOptions } from "../mod.ts";

/** The kinds of answer forms, as the benchmark reports them. */
export const CASE_KINDS = [
  "extraction",
  "labelled",
  "sets",
  "relations",
  "chains",
  "numbers",
  "matrices",
  "units",
] as const;

/** One row of the table. */
export interface MathCase {
  kind: (typeof CASE_KINDS)[number];
  /** The gold answer or solution. */
  gold: string;
  /** The model's output. */
  prediction: string;
  /** The right verdict. */
  expected: boolean;
  /** Why that verdict is right (and where a leniency stops). */
  why: string;
  /** Judging options, when not the defaults. */
  options?: JudgeOptions;
}

/** A real response tail from math_samples (problem 14, response 1) with its box removed. */
const QWEN_UNBOXED = `The numbers that are factors of 34 or multiples of 7 are:
1, 2, 14, 17, 56, 91

There are 6 such numbers. Therefore, the answer is:
\\[
6
\\]`;

/** A real response tail from math_samples (problem 32, response 1), box kept. */
const QWEN_BOXED =
  `Therefore, the numbers that are both multiples of 63 and factors of 63 are \\(63\\) and \\(-63\\).

The product of these two numbers is:
\\[
63 \\times (-63) = -3969
\\]

Thus, the answer is:
\\[
\\boxed{-3969}
\\]`;

/** A real GSM8K model solution (test line 6, 6B fine-tuned), calculator annotations kept. */
const GSM8K_SOLUTION =
  `If one glass costs $5, and Kylar wants to buy 16 glasses, he will pay $5*16 = $<<5*16=80>>80.
Every second glass costs only 60% of the price of a full glass, so it costs 60/100*$5 = $<<60/100*5=3.0>>3.
In total, Kylar will need to pay $80-$3 = $<<80-3=77>>77.
A: 77`;

export const MATH_CASES: MathCase[] = [
  // Extraction: where the answer is, when it is not in a single final box.
  {
    kind: "extraction",
    gold: "6",
    prediction: QWEN_UNBOXED,
    expected: true,
    why: "real output: 'the answer is:' followed by a display block on the next lines",
  },
  {
    kind: "extraction",
    gold: "-3969",
    prediction: QWEN_BOXED,
    expected: true,
    why: "real output: the last box, after intermediate inline math",
  },
  {
    kind: "extraction",
    gold: "Natalia sold 48/2 = 24 clips in May.\n#### 64",
    prediction: GSM8K_SOLUTION,
    expected: false,
    why: "real GSM8K solution (answer 77) against another problem's gold solution (64)",
  },
  {
    kind: "extraction",
    gold: "He pays 80 - 3 = 77 dollars.\n#### 77",
    prediction: GSM8K_SOLUTION,
    expected: true,
    why: "both full solutions: '#### 77' against 'A: 77', calculator annotations ignored",
  },
  {
    kind: "extraction",
    gold: "$y < 4$",
    prediction: "Solving the inequality step by step, we find that $y < 4$.",
    expected: true,
    why: "answer only in inline math at the end of the prose",
  },
  {
    kind: "extraction",
    gold: "$12$",
    prediction: "Answer \\( 12 \\)",
    expected: true,
    why: "'Answer' without a colon, then inline math",
  },
  {
    kind: "extraction",
    gold: "$12$",
    prediction: "Answer $$ 12 $$",
    expected: true,
    why: "display math after the word 'Answer'",
  },
  {
    kind: "extraction",
    gold: "$27$",
    prediction: "Final Answer: The smallest possible value of $k$ is 27.",
    expected: true,
    why: "'Final Answer:' followed by a sentence: the value after 'is'",
  },
  {
    kind: "extraction",
    gold: "$27$",
    prediction: "Final Answer: The smallest possible value of $k$ is 72.",
    expected: false,
    why: "the sentence names the variable in math; the value after 'is' is what counts",
  },
  {
    kind: "extraction",
    gold: "3, 5",
    prediction: "The two roots are $\\boxed{3}$ and $\\boxed{5}$.",
    expected: true,
    why: "two boxes listed with 'and' are one answer",
  },
  {
    kind: "extraction",
    gold: "3, 5",
    prediction: "So $\\boxed{3}\\boxed{5}$.",
    expected: true,
    why: "adjacent boxes are one answer",
  },
  {
    kind: "extraction",
    gold: "(2, 4), (1, 1)",
    prediction: "$$\\boxed{(2, 4)} \\text{ for part (a) and } \\boxed{(1, 1)}$$",
    expected: true,
    why: "boxes for parts (a) and (b) joined by a short 'for part (a) and'",
  },
  {
    kind: "extraction",
    gold: "3, 5",
    prediction: "\\boxed{3} apples and \\boxed{5} pears",
    expected: true,
    why: "boxes separated by a few words and 'and' form a list",
  },
  {
    kind: "extraction",
    gold: "3, 5",
    prediction: "\\boxed{3} was only a guess and it is far from right \\boxed{5}",
    expected: false,
    why: "stop: many words between boxes; the last box (5) is the answer",
  },
  {
    kind: "extraction",
    gold: "5",
    prediction: "First try: \\boxed{3}. Checking again gives \\boxed{5}",
    expected: true,
    why: "stop: a sentence ends between the boxes; the last box counts",
  },
  {
    kind: "extraction",
    gold: "\\frac{1}{2}",
    prediction: "\\[\\boxed{0.4}\\] or, exactly, \\(\\boxed{\\frac{1}{2}}\\).",
    expected: true,
    why: "stop: boxes joined by 'or' are alternatives; the last one counts",
  },
  {
    kind: "extraction",
    gold: "$9207$",
    prediction:
      "The first deposit earns $\\boxed{150}$ and the second $\\boxed{57}$ in interest. Adding the principal, the total is 9207.\n\nFinal Answer: The final answer is 9207. I hope it is correct.",
    expected: true,
    why: "a 'final answer is' after intermediate boxes wins",
  },
  {
    kind: "extraction",
    gold: "C",
    prediction: "C. Because the other three options contradict the second condition.",
    expected: true,
    why: "multiple-choice letter at the start of the prose",
  },
  {
    kind: "extraction",
    gold: "(B)",
    prediction: "Only option B keeps the sum even, so the answer is **B**.",
    expected: true,
    why: "multiple-choice letter in bold after 'the answer is'",
  },
  {
    kind: "extraction",
    gold: "B",
    prediction: "A. Because B fails when n is odd.",
    expected: false,
    why: "a letter at the start of a line is the pick, not a letter later in the prose",
  },
  {
    kind: "extraction",
    gold: "$\\text{(D)}$",
    prediction: "$\\boxed{D}$",
    expected: true,
    why: "a boxed letter against a \\text{(D)} gold",
  },
  {
    kind: "extraction",
    gold: "$5$",
    prediction:
      "Hence $r = \\boxed{5}$. Note that the answer is independent of the radius of the base.",
    expected: true,
    why: "stop: a later answer phrase that is prose does not override the box",
  },
  {
    kind: "extraction",
    gold: "$5$",
    prediction: "Therefore the answer is 5, since the remainder must be positive.",
    expected: true,
    why: "an answer phrase cut before the clause that explains it",
  },
  {
    kind: "extraction",
    gold: "$7$",
    prediction: "The area is 12, and the perimeter is 7 units.",
    expected: true,
    why: "no math, no phrase: the last number in the prose",
  },
  {
    kind: "extraction",
    gold: "$2$",
    prediction: "XQZ2B",
    expected: false,
    why: "stop: a digit inside a word is not a number",
  },
  {
    kind: "extraction",
    gold: "$-1, 4$",
    prediction: "The solutions are $-1$ and $4$.",
    expected: true,
    why: "inline math segments listed with 'and' are one answer",
  },
  {
    kind: "extraction",
    gold: "$13, 8$ or $5$",
    prediction: "$13, 8, 5$",
    expected: true,
    why: "a gold written as math segments listed with 'or'",
  },
  {
    kind: "extraction",
    gold: "\\frac{2}{3}",
    prediction: "So P(win) = 1/3 + 1/3 and therefore the probability is 2/3",
    expected: true,
    why: "a plain fraction in prose is one number, not its denominator",
  },

  // Labelled answers: any left-hand side that names the answer.
  {
    kind: "labelled",
    gold: "$(a,b)=(5,1)$",
    prediction: "$(5,1)$",
    expected: true,
    why: "a tuple of names labels a tuple",
  },
  {
    kind: "labelled",
    gold: "$(a,b)=(5,1)$",
    prediction: "$(1,5)$",
    expected: false,
    why: "the labelled tuple stays ordered",
  },
  {
    kind: "labelled",
    gold: "$|PQ|=3$",
    prediction: "$\\boxed{3}$",
    expected: true,
    why: "a length |PQ| labels its value",
  },
  {
    kind: "labelled",
    gold: "$PQ=6, RS=2$",
    prediction: "$\\boxed{6, 2}$",
    expected: true,
    why: "two labelled values against the list of values",
  },
  {
    kind: "labelled",
    gold: "$A_1:A_2=5:13$",
    prediction: "$5:13$",
    expected: true,
    why: "a ratio of names labels a ratio",
  },
  {
    kind: "labelled",
    gold: "$\\frac{AM}{MC}=\\frac{2}{\\sqrt{5}}$",
    prediction: "$\\frac{2}{\\sqrt5}$",
    expected: true,
    why: "a fraction of names labels its value",
  },
  {
    kind: "labelled",
    gold: "$t_{1}=2+\\sqrt{3},\\quad t_{2}=2-\\sqrt{3}$",
    prediction: "$\\boxed{2 - \\sqrt{3}} \\quad \\text{and} \\quad \\boxed{2 + \\sqrt{3}}$",
    expected: true,
    why: "subscripted labels separated by \\quad, against two boxes in another order",
  },
  {
    kind: "labelled",
    gold: "$m=3,n=1;m=5,n=1$",
    prediction: "$(3,1),(5,1)$",
    expected: true,
    why: "';' separates solutions, ',' their labelled components",
  },
  {
    kind: "labelled",
    gold: "$f(t)=9$",
    prediction: "9",
    expected: true,
    why: "a function value labels its value",
  },
  {
    kind: "labelled",
    gold: "$u=2$",
    prediction: "$v=2$",
    expected: true,
    why: "two labels of the same constant (the question names the unknown)",
  },
  {
    kind: "labelled",
    gold: "$u=2$",
    prediction: "$v=2$",
    expected: false,
    options: { strict: true },
    why: "stop: strict mode, the labels must be the same",
  },
  {
    kind: "labelled",
    gold: "$v=u+1$",
    prediction: "$u=u+1$",
    expected: false,
    why: "stop: labels are ignored only when both sides name a constant",
  },
  {
    kind: "labelled",
    gold: "$9 = 4p+q$",
    prediction: "$4p+q$",
    expected: false,
    why: "stop: a number on the left is not a label; the equation is not its right side",
  },
  {
    kind: "labelled",
    gold: "$3x+y=2$",
    prediction: "$2$",
    expected: false,
    why: "stop: an expression on the left is a constraint, not a label",
  },
  {
    kind: "labelled",
    gold: "$p=-2,\\ q=\\frac{7}{3}$",
    prediction: "$\\boxed{-2, \\frac{7}{3}}$",
    expected: true,
    why: "labelled list with LaTeX spacing against the bare list",
  },
  {
    kind: "labelled",
    gold: "\\boxed{k=6,\\,-4,\\,-9}",
    prediction: "$\\boxed{-9,-4,6}$",
    expected: true,
    why: "a label on the first item only, list in another order",
  },

  // Sets and lists.
  {
    kind: "sets",
    gold: "$$\\boxed{3}, \\boxed{7}, \\boxed{11}$$",
    prediction: "$${3, 7, 11}$$",
    expected: true,
    why: "unescaped braces around a list are a set",
  },
  {
    kind: "sets",
    gold: "$-5;-4;-2$",
    prediction: "$\\boxed{\\{-5, -4, -2\\}}$",
    expected: true,
    why: "';' as the list separator",
  },
  {
    kind: "sets",
    gold: "$(4,9)or(9,4)$",
    prediction: "$\\boxed{(9,4),\\ (4,9)}$",
    expected: true,
    why: "'or' between brackets separates solutions",
  },
  {
    kind: "sets",
    gold: "$\\{2,5\\} \\cup \\{1,8\\}$",
    prediction: "$\\{1, 2, 5, 8\\}$",
    expected: true,
    why: "a union of finite sets is the set of their elements",
  },
  {
    kind: "sets",
    gold: "$\\{2,5\\} \\cup \\{1,8\\}$",
    prediction: "$\\{1, 2, 5\\}$",
    expected: false,
    why: "stop: every element must be there",
  },
  {
    kind: "sets",
    gold: "$\\pm 1012$",
    prediction: "${-1012, 1012}$",
    expected: true,
    why: "\\pm is the set of both signs",
  },
  {
    kind: "sets",
    gold: "$\\pm 1012$",
    prediction: "$1012$",
    expected: false,
    why: "stop: one sign is not both",
  },
  {
    kind: "sets",
    gold: "$(2,6)$",
    prediction: "${2,6}$",
    expected: true,
    why:
      "a list in the same order as the tuple (the comparison cannot tell a point from two roots)",
  },
  {
    kind: "sets",
    gold: "$(6,2)$",
    prediction: "${2,6}$",
    expected: false,
    why: "stop: a list against a tuple keeps the order",
  },
  {
    kind: "sets",
    gold: "$(2,6)$",
    prediction: "${2,6}$",
    expected: false,
    options: { strict: true },
    why: "stop: strict mode, a set is not a tuple",
  },
  {
    kind: "sets",
    gold: "$\\{4\\}$",
    prediction: "$4$",
    expected: false,
    options: { strict: true },
    why: "stop: strict mode, a one-element set is not its element",
  },
  {
    kind: "sets",
    gold: "$15, 40, and 71$",
    prediction: "$15, 40, \\text{ and } 71$",
    expected: true,
    why: "an Oxford 'and' in a list",
  },
  {
    kind: "sets",
    gold: "$(1,1),(2,3),(3,2)$",
    prediction: "\\boxed{(3, 2)}, \\boxed{(1, 1)}, \\boxed{(2, 3)}",
    expected: true,
    why: "boxed tuples listed with commas, in another order",
  },
  {
    kind: "sets",
    gold: "$(1,1),(2,3),(3,2)$",
    prediction: "$\\boxed{(1, 1), (2, 3)}$",
    expected: false,
    why: "stop: a missing solution",
  },

  // Relations.
  {
    kind: "relations",
    gold: "$t >= 4$",
    prediction: "Hence $t \\geq 4$ holds.",
    expected: true,
    why: "ASCII >= is \\geq",
  },
  {
    kind: "relations",
    gold: "$t \\leq 4$",
    prediction: "So $t <= 4$.",
    expected: true,
    why: "ASCII <= is \\leq",
  },
  {
    kind: "relations",
    gold: "$t != 4$",
    prediction: "We need $t \\neq 4$.",
    expected: true,
    why: "ASCII != is \\neq",
  },
  {
    kind: "relations",
    gold: "$t < 2$",
    prediction: "$-t > -2$",
    expected: true,
    why: "an inequality and its negation",
  },
  {
    kind: "relations",
    gold: "$t \\leq 2$",
    prediction: "$-2t \\geq -4$",
    expected: true,
    why: "an inequality times a negative constant",
  },
  {
    kind: "relations",
    gold: "$t < 2$",
    prediction: "$-t < -2$",
    expected: false,
    why: "stop: negating one side without flipping the sign",
  },
  {
    kind: "relations",
    gold: "$t < 2$",
    prediction: "$t \\leq 2$",
    expected: false,
    why: "stop: strict and non-strict differ",
  },
  {
    kind: "relations",
    gold: "$(-\\infty, 2)$",
    prediction: "$-t > -2$",
    expected: true,
    why: "an inequality against an interval",
  },
  {
    kind: "relations",
    gold: "$[3, \\infty)$",
    prediction: "$2t \\geq 6$",
    expected: true,
    why: "a scaled inequality against a closed half-line",
  },
  {
    kind: "relations",
    gold: "$[3, \\infty)$",
    prediction: "$2t > 6$",
    expected: false,
    why: "stop: the closed end must match",
  },
  {
    kind: "relations",
    gold: "$-8 < t < 3$",
    prediction: "$(-8, 3)$",
    expected: true,
    why: "a two-sided inequality is an interval",
  },
  {
    kind: "relations",
    gold: "$0<g(t)<3$",
    prediction: "$(0,3)$",
    expected: true,
    why: "a two-sided inequality on a function value",
  },
  {
    kind: "relations",
    gold: "$2\\leq|w|\\leq \\frac{5}{2}$",
    prediction: "$w \\in \\left[-\\frac{5}{2}, -2\\right] \\cup \\left[2, \\frac{5}{2}\\right]$",
    expected: true,
    why: "an inequality on an absolute value is the union it describes",
  },
  {
    kind: "relations",
    gold: "$2\\leq|w|\\leq \\frac{5}{2}$",
    prediction: "$w \\in \\left[2, \\frac{5}{2}\\right]$",
    expected: false,
    why: "stop: the negative half is part of it",
  },
  {
    kind: "relations",
    gold: "$t > 4$",
    prediction: "$4 < t$",
    expected: true,
    why: "the same inequality written the other way round",
  },

  // Chains and approximations.
  {
    kind: "chains",
    gold: "$y = 14$",
    prediction: "$y = 6+6+2 = 14$",
    expected: true,
    why: "the last member of a chain counts",
  },
  {
    kind: "chains",
    gold: "14",
    prediction: "$y \\approx 14$",
    expected: true,
    why: "an approximation with nothing exact before it",
  },
  {
    kind: "chains",
    gold: "$\\frac{2}{7}$",
    prediction: "$y = \\frac{2}{7} \\approx 0.29$",
    expected: true,
    why: "an exact value followed by its rounding: the exact value counts",
  },
  {
    kind: "chains",
    gold: "$\\frac{2}{7}$",
    prediction: "$y = 3 + 3 = \\frac{2}{7}$",
    expected: true,
    why: "a chain whose middle is wrong arithmetic still ends in the answer",
  },
  {
    kind: "chains",
    gold: "14",
    prediction: "$y = 14 = 6+6+3$",
    expected: false,
    why: "stop: the last member, not the first, is the answer",
  },
  {
    kind: "chains",
    gold: "14",
    prediction: "$y \\approx 14$",
    expected: false,
    options: { strict: true },
    why: "stop: strict mode keeps approximations apart",
  },
  {
    kind: "chains",
    gold: "0",
    prediction: "$2 = \\beta = w = 0$",
    expected: true,
    why: "a chain that does not start with a label reads as its last member",
  },

  // Numbers.
  {
    kind: "numbers",
    gold: "2048.75",
    prediction: "2048,75",
    expected: true,
    why: "a decimal comma after four digits cannot be a thousands separator",
  },
  {
    kind: "numbers",
    gold: "4.56",
    prediction: "The total is 4,56 € per kilo.",
    expected: true,
    why: "a decimal comma with two digits in prose",
  },
  {
    kind: "numbers",
    gold: "3.15",
    prediction: "Résultat : 3,15 $ environ",
    expected: true,
    why: "a labelled line is prose: its number, with a decimal comma",
  },
  {
    kind: "numbers",
    gold: "0.275",
    prediction: "0,275",
    expected: true,
    why: "0,275 has no thousands group; it is 0.275",
  },
  {
    kind: "numbers",
    gold: "275",
    prediction: "0,275",
    expected: false,
    why: "stop: 0,275 never reads as 275",
  },
  {
    kind: "numbers",
    gold: "64518",
    prediction: "64, 518",
    expected: false,
    why: "stop: a comma and a space between numbers make a list",
  },
  {
    kind: "numbers",
    gold: "64, 518",
    prediction: "518, 64",
    expected: true,
    why: "the list, in another order",
  },
  {
    kind: "numbers",
    gold: "64518",
    prediction: "64,518",
    expected: true,
    why: "thousands separator without a space",
  },
  {
    kind: "numbers",
    gold: "64518",
    prediction: "is $\\boxed{64,\\! 518}$",
    expected: true,
    why: "LaTeX spacing after a thousands comma is not a list",
  },
  {
    kind: "numbers",
    gold: "-3, 2",
    prediction: "-3.2",
    expected: false,
    why: "stop: one digit after the comma reads as a list of two numbers",
  },
  {
    kind: "numbers",
    gold: "2048.75",
    prediction: "2048,75",
    expected: false,
    options: { strict: true },
    why: "stop: strict mode reads no decimal comma",
  },
  {
    kind: "numbers",
    gold: "\\frac{1}{7}",
    prediction: "0.143",
    expected: true,
    options: { precision: 3 },
    why: "precision 3: both round to 0.143",
  },
  {
    kind: "numbers",
    gold: "\\frac{1}{7}",
    prediction: "0.143",
    expected: false,
    options: { precision: 4 },
    why: "stop: precision 4, 0.1429 against 0.1430",
  },
  {
    kind: "numbers",
    gold: "\\frac{1}{7}",
    prediction: "0.142857",
    expected: true,
    why: "default: a correctly rounded decimal within 1e-4",
  },
  {
    kind: "numbers",
    gold: "\\frac{1}{7}",
    prediction: "0.142857",
    expected: false,
    options: { strict: true },
    why: "stop: strict mode without precision wants the exact value",
  },
  {
    kind: "numbers",
    gold: "$45\\%$",
    prediction: "45 percent",
    expected: true,
    why: "'percent' is %",
  },
  {
    kind: "numbers",
    gold: "$45\\%$",
    prediction: "$\\boxed{45 pct}$",
    expected: true,
    why: "'pct' inside a box",
  },
  {
    kind: "numbers",
    gold: "$45\\%$",
    prediction: "0.45",
    expected: true,
    why: "a percentage is also its hundredth",
  },
  {
    kind: "numbers",
    gold: "$45\\%$",
    prediction: "45",
    expected: false,
    options: { strict: true },
    why: "stop: strict mode reads 45% only as 0.45",
  },
  {
    kind: "numbers",
    gold: "3200.5",
    prediction: "so the value is not 3 but 3,200.5 dollars",
    expected: true,
    why: "the last number in prose, with a thousands separator and decimals",
  },

  // Matrices.
  {
    kind: "matrices",
    gold: "$\\begin{pmatrix}2 & 0 \\\\ 0 & 2\\end{pmatrix}$",
    prediction: "The scaled identity is $ \\begin{pmatrix}2 & 0 \\\\ 0 & 2\\end{pmatrix} $.",
    expected: true,
    why: "a matrix in prose",
  },
  {
    kind: "matrices",
    gold: "$\\begin{bmatrix}1 & 1 \\\\ 2 & 3\\end{bmatrix}$",
    prediction: "$ \\left[\\begin{array}{cc}1 & 1 \\\\2 & 3\\end{array}\\right] $",
    expected: true,
    why: "an array in brackets is a matrix",
  },
  {
    kind: "matrices",
    gold: "$\\begin{pmatrix}4 & 6 \\\\ 8 & 10\\end{pmatrix}$",
    prediction:
      "Adding gives $\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix} + \\begin{pmatrix}3 & 4 \\\\ 5 & 6\\end{pmatrix}$",
    expected: true,
    why: "a sum of number matrices, evaluated",
  },
  {
    kind: "matrices",
    gold: "$\\begin{pmatrix}2 & 1 \\\\ 4 & 3\\end{pmatrix}$",
    prediction:
      "$\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix} \\begin{pmatrix}0 & 1 \\\\ 1 & 0\\end{pmatrix}$",
    expected: true,
    why: "a product of number matrices, evaluated",
  },
  {
    kind: "matrices",
    gold: "$\\begin{pmatrix}2 & 1 \\\\ 4 & 3\\end{pmatrix}$",
    prediction:
      "$\\begin{pmatrix}0 & 1 \\\\ 1 & 0\\end{pmatrix} \\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}$",
    expected: false,
    why: "stop: matrix products do not commute",
  },
  {
    kind: "matrices",
    gold: "$\\begin{pmatrix}3 & -6\\end{pmatrix}$",
    prediction: "So the image is $3\\begin{pmatrix}1 & -2\\end{pmatrix}$.",
    expected: true,
    why: "a number times a matrix, evaluated",
  },
  {
    kind: "matrices",
    gold: "$\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}$",
    prediction: "The matrix is $\\begin{pmatrix}1 & 2 \\\\ 3 & 5\\end{pmatrix}$",
    expected: false,
    why: "stop: one entry differs",
  },
  {
    kind: "matrices",
    gold: "$\\begin{pmatrix}\\frac{1}{4}\\\\ \\frac{1}{8} \\end{pmatrix}$",
    prediction: "$\\begin{pmatrix}0.25\\\\0.13 \\end{pmatrix}$",
    expected: true,
    options: { precision: 2 },
    why: "entries compared at the given precision",
  },

  // Units.
  {
    kind: "units",
    gold: "$240$ miles",
    prediction: "The trip is $\\boxed{240\\textnormal{ miles}}.$",
    expected: true,
    why: "\\textnormal units dropped",
  },
  {
    kind: "units",
    gold: "$0.35 \\text{ yuan}$",
    prediction: "$\\boxed{0.35 \\text{ yuan}}$",
    expected: true,
    why: "\\text units on both sides",
  },
  {
    kind: "units",
    gold: "\\frac{2}{5}",
    prediction: "$\\frac{2}{5} \\mathrm{meters}$",
    expected: true,
    why: "\\mathrm units dropped",
  },
  {
    kind: "units",
    gold: "2500.5",
    prediction: "the area is 2,500.5m²",
    expected: true,
    why: "a unit with a superscript after a number",
  },
  {
    kind: "units",
    gold: "$18$",
    prediction: "$\\boxed{18\\text{ cm}^2}$",
    expected: true,
    why: "a squared unit dropped",
  },
  {
    kind: "units",
    gold: "$18$",
    prediction: "$\\boxed{18\\text{ cm}^2}$",
    expected: false,
    options: { strict: true },
    why: "stop: strict mode keeps units",
  },
  {
    kind: "units",
    gold: "$18$",
    prediction: "$\\boxed{81\\text{ cm}}$",
    expected: false,
    why: "stop: dropping the unit does not change the number",
  },
];
