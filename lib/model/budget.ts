// Budget allocation: each weight picks one option (pattern, sparsity) so that the total cost (kernel time or
// bytes) fits the budget with the least total damage. A multiple-choice knapsack, solved exactly over costs
// rounded to BINS steps of the budget by dynamic programming (docs/models.md, "Budgets", says why not a
// Lagrangian sweep). Pure: no I/O, deterministic.

/** One option of one weight: its cost (ms or bytes, for all its uses) and its damage (for all its uses). */
export interface BudgetOption {
  cost: number;
  damage: number;
}

/** The allocation: an option index per weight, its total cost and damage, and whether it fits the budget. */
export interface Allocation {
  choice: number[];
  cost: number;
  damage: number;
  feasible: boolean;
}

/** Cost resolution: the budget in this many steps. */
export const BINS = 2000;

/**
 * The least-damage choice of one option per weight with total cost <= budget, optimal up to costs rounded to
 * budget / BINS steps (0.05% of the budget); the true total never exceeds the budget. When even the cheapest
 * options exceed it, returns those (feasible: false).
 */
export function allocate(weights: readonly (readonly BudgetOption[])[], budget: number): Allocation {
  if (!(budget > 0) || !Number.isFinite(budget)) throw new RangeError(`budget: expected a positive finite number, got ${String(budget)}`);
  for (const [i, opts] of weights.entries()) {
    if (opts.length === 0) throw new RangeError(`weights[${i}]: expected at least one option`);
    for (const o of opts)
      if (!(o.cost >= 0 && Number.isFinite(o.cost)) || !(o.damage >= 0 && Number.isFinite(o.damage))) throw new RangeError(`weights[${i}]: costs and damages must be finite numbers >= 0`);
  }
  const total = (choice: number[]) => ({
    cost: choice.reduce((a, k, i) => a + (weights[i]?.[k]?.cost as number), 0),
    damage: choice.reduce((a, k, i) => a + (weights[i]?.[k]?.damage as number), 0),
  });
  const cheapest = weights.map((opts) => opts.reduce((best, o, k) => (o.cost < (opts[best] as BudgetOption).cost ? k : best), 0));
  if (total(cheapest).cost > budget) return { choice: cheapest, ...total(cheapest), feasible: false };
  // Costs rounded to the nearest step; when the rounding lets the true total exceed the budget, solve again with
  // the capacity lowered by the excess (a few steps at most, as each option is off by half a step at most).
  const step = budget / BINS;
  let capacity = BINS;
  for (;;) {
    const choice = solve(weights, weights.map((opts) => opts.map((o) => Math.round(o.cost / step))), capacity);
    const t = total(choice ?? cheapest);
    if (choice && t.cost <= budget) return { choice, ...t, feasible: true };
    if (!choice || capacity <= 0) return { choice: cheapest, ...total(cheapest), feasible: true };
    capacity -= Math.ceil((t.cost - budget) / step) + 1;
  }
}

/** Least-damage option per weight with total units <= capacity (undefined when none fits), by DP over units. */
function solve(weights: readonly (readonly BudgetOption[])[], units: number[][], capacity: number): number[] | undefined {
  if (capacity < 0) return undefined;
  // best[c]: least damage of the weights so far with total units exactly c (Infinity: unreachable).
  let best = new Float64Array(capacity + 1).fill(Infinity);
  best[0] = 0;
  const picked = weights.map(() => new Int16Array(capacity + 1).fill(-1));
  for (const [i, opts] of weights.entries()) {
    const next = new Float64Array(capacity + 1).fill(Infinity);
    const pick = picked[i] as Int16Array;
    const u = units[i] as number[];
    for (let c = 0; c <= capacity; c++) {
      const d = best[c] as number;
      if (d === Infinity) continue;
      for (let k = 0; k < opts.length; k++) {
        const c2 = c + (u[k] as number);
        if (c2 > capacity) continue;
        const d2 = d + (opts[k] as BudgetOption).damage;
        if (d2 < (next[c2] as number)) {
          next[c2] = d2;
          pick[c2] = k;
        }
      }
    }
    best = next;
  }
  let end = 0;
  for (let c = 1; c <= capacity; c++) if ((best[c] as number) < (best[end] as number)) end = c;
  if (best[end] === Infinity) return undefined;
  const choice = new Array<number>(weights.length);
  for (let i = weights.length - 1; i >= 0; i--) {
    const k = (picked[i] as Int16Array)[end] as number;
    choice[i] = k;
    end -= (units[i] as number[])[k] as number;
  }
  return choice;
}
