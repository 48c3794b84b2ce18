import type { HypercallFamily } from './index';

/** Being written (issue 3). */
export const memoryHypercalls: HypercallFamily = {};
