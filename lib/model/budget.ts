// Budget allocation: each weight picks one option (pattern, sparsity) so that the total cost (kernel time or
// bytes) fits the budget with the least total damage. A multiple-choice knapsack, solved exactly over costs
// rounded up to BINS steps of the budget by dynamic programming (docs/models.md, "Budgets", says why not a
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

/** Cost resolution: the budget in this many steps (costs round up, so a feasible answer never exceeds it). */
export const BINS = 2000;

/**
 * The least-damage choice of one option per weight with total cost <= budget. Costs are rounded up to
 * budget / BINS steps, so the result fits the budget exactly and is optimal up to that rounding (a step is
 * 0.05% of the budget). When even the cheapest options exceed the budget, returns those (feasible: false).
 */
export function allocate(weights: readonly (readonly BudgetOption[])[], budget: number): Allocation {
  if (!(budget > 0) || !Number.isFinite(budget)) throw new RangeError(`budget: expected a positive finite number, got ${String(budget)}`);
  for (const [i, opts] of weights.entries()) {
    if (opts.length === 0) throw new RangeError(`weights[${i}]: expected at least one option`);
    for (const o of opts)
      if (!(o.cost >= 0) || !(o.damage >= 0)) throw new RangeError(`weights[${i}]: costs and damages must be finite numbers >= 0`);
  }
  const step = budget / BINS;
  const units = weights.map((opts) => opts.map((o) => Math.ceil(o.cost / step - 1e-9)));
  const cheapest = weights.map((opts) => opts.reduce((best, o, k) => (o.cost < (opts[best] as BudgetOption).cost ? k : best), 0));
  const minUnits = units.reduce((a, u, i) => a + (u[cheapest[i] as number] as number), 0);
  const total = (choice: number[]) => ({
    cost: choice.reduce((a, k, i) => a + (weights[i]?.[k]?.cost as number), 0),
    damage: choice.reduce((a, k, i) => a + (weights[i]?.[k]?.damage as number), 0),
  });
  if (minUnits > BINS) return { choice: cheapest, ...total(cheapest), feasible: false };

  // best[c]: least damage of the weights so far with total units exactly c (Infinity: unreachable).
  let best = new Float64Array(BINS + 1).fill(Infinity);
  best[0] = 0;
  const picked = weights.map(() => new Int16Array(BINS + 1).fill(-1));
  for (const [i, opts] of weights.entries()) {
    const next = new Float64Array(BINS + 1).fill(Infinity);
    const pick = picked[i] as Int16Array;
    const u = units[i] as number[];
    for (let c = 0; c <= BINS; c++) {
      const d = best[c] as number;
      if (d === Infinity) continue;
      for (let k = 0; k < opts.length; k++) {
        const c2 = c + (u[k] as number);
        if (c2 > BINS) continue;
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
  for (let c = 1; c <= BINS; c++) if ((best[c] as number) < (best[end] as number)) end = c;
  const choice = new Array<number>(weights.length);
  for (let i = weights.length - 1; i >= 0; i--) {
    const k = (picked[i] as Int16Array)[end] as number;
    choice[i] = k;
    end -= (units[i] as number[])[k] as number;
  }
  return { choice, ...total(choice), feasible: true };
}
