/**
 * The subset of JSON Schema the launch schema uses: enough for VS Code's launch.json IntelliSense and for
 * our own validation (schema-validate.ts), so both read the same declarations.
 */
export interface JsonSchema {
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';
  description?: string;
  markdownDescription?: string;
  default?: unknown;
  enum?: readonly (string | number | boolean)[];
  enumDescriptions?: readonly string[];
  markdownEnumDescriptions?: readonly string[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
  patternErrorMessage?: string;
  /** VS Code's JSON language service shows this instead of the generic message when the value fails. */
  errorMessage?: string;
  examples?: readonly unknown[];
  anyOf?: readonly JsonSchema[];
  properties?: Readonly<Record<string, JsonSchema>>;
  additionalProperties?: boolean;
  required?: readonly string[];
  items?: JsonSchema;
}
