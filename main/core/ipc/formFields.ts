import { z } from 'zod';
import type { FormField } from '../../../shared/ipc.ts';
import { labelOf } from '../../../shared/text.ts';

interface JsonSchemaProperty {
  type?: string;
  enum?: unknown[];
  pattern?: string;
  maxLength?: number;
  default?: unknown;
  description?: string;
  items?: JsonSchemaProperty;
}

/**
 * The form the app shows for a token kind, made from the same zod schema the kind parses its
 * parameters with (through zod's JSON Schema output): what the CLI accepts, the form asks.
 */
export function formFieldsOf(schema: z.ZodType): FormField[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchemaProperty>;
    required?: string[];
  };
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, p]): FormField => {
    const type: FormField['type'] =
      p.type === 'boolean' ? 'boolean' : p.type === 'array' ? 'list' : p.enum ? 'select' : 'text';
    const defaultValue =
      typeof p.default === 'string' || typeof p.default === 'boolean' ? p.default : null;
    return {
      name,
      label: labelOf(name),
      type,
      // A list may be left empty and a default fills itself in: neither is required of the user.
      required: required.has(name) && type !== 'list' && defaultValue === null,
      help: p.description ?? null,
      options: (p.enum ?? p.items?.enum ?? []).map(String),
      pattern: p.pattern ?? null,
      maxLength: p.maxLength ?? null,
      defaultValue,
    };
  });
}
