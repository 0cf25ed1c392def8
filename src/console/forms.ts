import type { Context } from 'hono';
import { html } from 'hono/html';
import type { z } from 'zod';
import { ApiError } from '../errors.ts';
import type { Html } from './layout.ts';
import type { ConsoleEnv } from './session.ts';

/**
 * The console's forms: reading a posted form, and turning a refusal of the domain (the same
 * validation, address policy, quota and uniqueness rules the APIs apply) into a message shown on
 * the form again, never a 500.
 */

/** A posted form: one string per field; `all(name)` gives every value of a repeated field (checkboxes). */
export interface PostedForm {
  text(name: string): string;
  all(name: string): string[];
}

export async function postedForm(c: Context<ConsoleEnv>): Promise<PostedForm> {
  const body = await c.req.parseBody({ all: true });
  const values = (name: string): string[] => {
    const value = body[name];
    return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((item): item is string => typeof item === 'string');
  };
  return { text: (name) => values(name)[0]?.trim() ?? '', all: values };
}

/** The status a refused form answers with: a conflict (taken, over quota) is a 409, anything else the caller sent wrong a 400. */
export type RefusalStatus = 400 | 409;

export interface Refusal {
  status: RefusalStatus;
  message: string;
}

const fieldOf = (loc: readonly (string | number)[]) => loc.filter((part, index) => !(index === 0 && (part === 'body' || part === 'query'))).join('.');

/** What to tell the person about a refused change, or undefined when the error is not theirs to fix (it is rethrown). */
export function refusalOf(error: unknown): Refusal | undefined {
  if (!(error instanceof ApiError)) return undefined;
  if (error.kind === 'conflict') return { status: 409, message: error.message };
  if (error.kind !== 'validation' && error.kind !== 'malformed') return undefined;
  const issues = error.issues.map((issue) => (fieldOf(issue.loc) ? `${fieldOf(issue.loc)}: ${issue.msg}` : issue.msg));
  return { status: 400, message: issues.length ? issues.join('; ') : error.message };
}

/**
 * Runs a change; a refusal renders the form again (with the message) instead of failing the
 * request. Anything else (a store failure, a bug) goes on to the console's error page.
 */
export async function orRefusal<T>(work: () => Promise<T>, onRefusal: (refusal: Refusal) => Response | Promise<Response>): Promise<T | Response> {
  try {
    return await work();
  } catch (error) {
    const refusal = refusalOf(error);
    if (!refusal) throw error;
    return onRefusal(refusal);
  }
}

/** A refusal thrown by the console itself (a field the form requires), shown like the domain's. */
export const formError = (message: string) => new ApiError('validation', message);

/** `value` checked against an API's own request schema; its issues become one refusal naming each field. */
export function checked<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw formError(result.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; '));
}

interface FieldOptions {
  type?: string;
  required?: boolean;
  placeholder?: string;
  hint?: string;
  autocomplete?: string;
}

/** A labelled input; the id is the field's name, so labels and tests find it. */
export const inputField = (label: string, name: string, value: string, options: FieldOptions = {}): Html =>
  html`<label for="${name}">${label}</label><input id="${name}" name="${name}" type="${options.type ?? 'text'}" value="${value}"${options.required ? html` required` : ''}${
    options.placeholder ? html` placeholder="${options.placeholder}"` : ''
  } autocomplete="${options.autocomplete ?? 'off'}">${options.hint ? html`<small class="muted">${options.hint}</small>` : ''}`;

export const selectField = (label: string, name: string, value: string, choices: readonly (readonly [string, string])[]): Html =>
  html`<label for="${name}">${label}</label><select id="${name}" name="${name}">${choices.map(
    ([choice, text]) => html`<option value="${choice}"${choice === value ? html` selected` : ''}>${text}</option>`,
  )}</select>`;

/** A group of checkboxes, one per event name; none checked means "every event" where the surface allows it. */
export const eventChoices = (legend: string, names: readonly string[], checked: readonly string[], hint: string): Html =>
  html`<fieldset><legend>${legend}</legend>${names.map(
    (name) => html`<label class="check"><input type="checkbox" name="events" value="${name}"${checked.includes(name) ? html` checked` : ''}> <code>${name}</code></label>`,
  )}<small class="muted">${hint}</small></fieldset>`;

/** The session's CSRF token as the hidden field every form carries. */
export const csrfField = (csrf: string): Html => html`<input type="hidden" name="_csrf" value="${csrf}">`;
