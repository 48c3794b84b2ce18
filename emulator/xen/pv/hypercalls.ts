import type { HypercallFamily } from '../hypercalls/index';

/** Being written (issue 3). */
export const pvHypercalls: HypercallFamily = {};
