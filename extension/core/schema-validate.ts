/**
 * Validates a value against the launch schema subset (json-schema.ts). Each problem names the field, in the
 * same style as the adapter's launch errors, so an F5 with a bad launch.json fails before a session starts.
 */
import type { JsonSchema } from './json-schema';

function typeOk(type: NonNullable<JsonSchema['type']>, v: unknown): boolean {
  switch (type) {
    case 'string': return typeof v === 'string';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'boolean': return typeof v === 'boolean';
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array': return Array.isArray(v);
  }
}

const article = (type: string): string => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** Problems for `value` at `field` (a dotted path such as `domainFlags.evtchnFifo`); empty when valid. */
export function validateValue(field: string, value: unknown, schema: JsonSchema): string[] {
  const got = `(got ${JSON.stringify(value)})`;
  if (schema.anyOf) {
    const fits = schema.anyOf.some((branch) => validateValue(field, value, { ...branch, type: branch.type ?? schema.type }).length === 0);
    if (!fits) return [`${field}: ${schema.errorMessage ?? 'does not match any allowed form'} ${got}`];
  }
  if (schema.type && !typeOk(schema.type, value)) return [`${field} must be ${article(schema.type)} ${got}`];
  if (schema.enum && !schema.enum.includes(value as string | number | boolean)) {
    return [`${field} must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')} ${got}`];
  }
  const problems: string[] = [];
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${field} must be at least ${schema.minimum} ${got}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${field} must be at most ${schema.maximum} ${got}`);
  }
  if (typeof value === 'string') {
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      problems.push(`${field} is ${value.length} characters; the limit is ${schema.maxLength}`);
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
      problems.push(`${field}: ${schema.patternErrorMessage ?? `must match ${schema.pattern}`} ${got}`);
    }
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => problems.push(...validateValue(`${field}[${i}]`, item, schema.items!)));
  }
  if (typeOk('object', value) && (schema.properties || schema.required)) {
    problems.push(...validateObject(value as Record<string, unknown>, schema, `${field}.`));
  }
  return problems;
}

/** Problems for an object's properties: unknown keys (when closed), missing required keys, each value. */
export function validateObject(obj: Record<string, unknown>, schema: JsonSchema, prefix = '', ignoreKeys: readonly string[] = []): string[] {
  const problems: string[] = [];
  const props = schema.properties ?? {};
  for (const key of schema.required ?? []) {
    if (obj[key] === undefined) problems.push(`${prefix}${key} is required`);
  }
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined || ignoreKeys.includes(key)) continue;
    const prop = props[key];
    if (prop) problems.push(...validateValue(`${prefix}${key}`, value, prop));
    else if (schema.additionalProperties === false) problems.push(`${prefix}${key} is not a known attribute`);
  }
  return problems;
}
