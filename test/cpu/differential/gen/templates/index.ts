/** The full template list, grouped as the issue lists them. */
import type { Template } from '../template';
import { aluTemplates } from './alu';
import { bitTemplates } from './bits';
import { controlTemplates } from './control';
import { extTemplates } from './ext';
import { faultTemplates } from './faults';
import { miscTemplates } from './misc';
import { moveTemplates } from './move';
import { mulDivTemplates } from './muldiv';
import { shiftTemplates } from './shift';
import { stackTemplates } from './stack';
import { stringTemplates } from './string';

export const ALL_TEMPLATES: Template[] = [
  ...aluTemplates, ...shiftTemplates, ...mulDivTemplates, ...bitTemplates, ...moveTemplates, ...stackTemplates,
  ...controlTemplates, ...stringTemplates, ...miscTemplates, ...faultTemplates, ...extTemplates,
];
