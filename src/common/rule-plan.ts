import { getMetadataStorage, ValidationTypes } from 'class-validator';
import type { ValidationArguments } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Rule = ReturnType<Storage['getTargetValidationMetadatas']>[number];
type Constraint = ReturnType<Storage['getTargetValidatorConstraints']>[number];

interface Check {
  readonly rule: Rule;
  readonly constraint: Constraint;
}

interface Property {
  readonly name: string;
  readonly conditions: readonly ((object: object, value: unknown) => unknown)[];
  readonly checks: readonly Check[];
  readonly nested: readonly Rule[];
}

interface Plan {
  readonly targetName: string;
  readonly names: ReadonlySet<string>;
  readonly properties: readonly Property[];
}

const plans = new WeakMap<object, Map<string | undefined, Plan | null>>();

/**
 * A class's rules laid out once for `surelyValid`; null where it cannot answer for class-validator
 * (no rules, which `forbidUnknownValues` refuses; async, promise or unknown kinds of rule). Like
 * the remembered lookups in `validation.ts`, this counts on every rule of a class being registered
 * before the class is first validated.
 */
function planOf(target: unknown, schema: string | undefined): Plan | null {
  if (typeof target !== 'function') return null;
  let bySchema = plans.get(target);
  if (!bySchema) plans.set(target, (bySchema = new Map<string | undefined, Plan | null>()));
  let plan = bySchema.get(schema);
  if (plan === undefined) {
    const storage = getMetadataStorage();
    const rules = storage.getTargetValidationMetadatas(target, schema as string, false, false, undefined);
    plan = rules.length ? layOut(storage, target.name, rules) : null;
    bySchema.set(schema, plan);
  }
  return plan;
}

function layOut(storage: Storage, targetName: string, rules: readonly Rule[]): Plan | null {
  const properties: Property[] = [];
  for (const [name, list] of Object.entries(storage.groupByPropertyName(rules as Rule[]))) {
    const conditions: Property['conditions'][number][] = [];
    const checks: Check[] = [];
    const nested: Rule[] = [];
    for (const rule of list) {
      switch (rule.type) {
        case ValidationTypes.CONDITIONAL_VALIDATION:
          conditions.push(rule.constraints[0] as Property['conditions'][number]);
          break;
        case ValidationTypes.IS_DEFINED:
        case ValidationTypes.CUSTOM_VALIDATION:
          for (const constraint of storage.getTargetValidatorConstraints(rule.constraintCls)) {
            if (constraint.async) return null;
            checks.push({ rule, constraint });
          }
          break;
        case ValidationTypes.NESTED_VALIDATION:
          nested.push(rule);
          break;
        case ValidationTypes.WHITELIST:
          break;
        default:
          return null;
      }
    }
    properties.push({ name, conditions, checks, nested });
  }
  return { targetName, names: new Set(properties.map((p) => p.name)), properties };
}

function passes({ rule, constraint }: Check, targetName: string, object: object, value: unknown): boolean {
  if (rule.validateIf && !rule.validateIf(object, value)) return true;
  const args: ValidationArguments = { targetName, property: rule.propertyName, object, value, constraints: rule.constraints };
  const many = rule.each && (Array.isArray(value) || value instanceof Set || value instanceof Map);
  if (!many) return verdict(constraint.instance.validate(value, args));
  if (!Array.isArray(value)) return false;
  for (const item of value) if (!verdict(constraint.instance.validate(item, args))) return false;
  return true;
}

/** A promise is an answer only the library can wait for. */
function verdict(result: unknown): boolean {
  return Boolean(result) && !(result instanceof Promise);
}

function nestedPasses(rules: readonly Rule[], value: unknown): boolean {
  if (value === undefined) return true;
  for (const rule of rules) {
    if (Array.isArray(value)) {
      for (const item of value) if (!nestedPasses(rules, item)) return false;
    } else if (value instanceof Set || value instanceof Map || !(value instanceof Object)) {
      return false;
    } else if (!valid(value, typeof rule.target === 'string' ? rule.target : rule.target.name)) {
      return false;
    }
  }
  return true;
}

function valid(object: object, schema: string | undefined): boolean {
  const plan = planOf(object.constructor, schema);
  if (!plan) return false;
  for (const key of Object.keys(object)) if (!plan.names.has(key)) return false;
  const fields = object as Record<string, unknown>;
  for (const { name, conditions, checks, nested } of plan.properties) {
    const value = fields[name];
    if (!conditions.every((condition) => condition(object, value))) continue;
    for (const check of checks) if (!passes(check, plan.targetName, object, value)) return false;
    if (!nestedPasses(nested, value)) return false;
  }
  return true;
}

/**
 * True only when class-validator, with the ledger's options (whitelist, forbidNonWhitelisted,
 * forbidUnknownValues, no groups), would find nothing wrong: the same rules and constraint
 * functions, without the library's executor, which builds an error object for every property
 * it looks at (most of a valid command's validation time). False means "ask class-validator",
 * which then names what is wrong: a false never stands for a verdict on its own.
 */
export function surelyValid(object: object): boolean {
  return valid(object, undefined);
}
