import { ValidationPipe } from '@nestjs/common';
import type { Type, ValidationError } from '@nestjs/common';
import { instanceToPlain, plainToInstance } from 'class-transformer';
import type { ClassConstructor, ClassTransformOptions } from 'class-transformer';
import { getMetadataStorage, validate, validateSync } from 'class-validator';
import type { ValidatorOptions } from 'class-validator';
import { LedgerError } from './ledger-error.js';
import type { FieldError } from './ledger-error.js';
import { surelyValid } from './rule-plan.js';

/**
 * class-validator finds a class's rules by scanning every decorated class on each call
 * (typestack/class-validator#2686, open): the cost grows with the number of request classes in
 * the app. A class's rules, its ancestors' included, are all registered when its module loads,
 * before anything can be validated against it, so they are looked up once per class and options.
 */
function rememberRules(): void {
  const storage = getMetadataStorage();
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const known = new WeakMap<object, Map<string, ReturnType<typeof lookup>>>();
  storage.getTargetValidationMetadatas = (target, schema, always, strict, groups) => {
    let byOptions = known.get(target);
    if (!byOptions) known.set(target, (byOptions = new Map<string, ReturnType<typeof lookup>>()));
    const key = `${schema}|${always}|${strict}|${groups?.join(',') ?? ''}`;
    let rules = byOptions.get(key);
    if (!rules) byOptions.set(key, (rules = lookup(target, schema, always, strict, groups)));
    return rules;
  };
  // Each call also groups those rules by property; the remembered lists are grouped once.
  const group = storage.groupByPropertyName.bind(storage);
  const grouped = new WeakMap<object, ReturnType<typeof group>>();
  storage.groupByPropertyName = (rules) => {
    let byProperty = grouped.get(rules);
    if (!byProperty) grouped.set(rules, (byProperty = group(rules)));
    return byProperty;
  };
}
rememberRules();

/** The ledger's class-validator options, everywhere it validates; `surelyValid` answers for these. */
export const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;

/** Every failing field, as a path (`template.category`, `commands[3].timestamp`), with each rule it broke. */
function failures(errors: readonly ValidationError[], prefix: string, into: FieldError[] = []): FieldError[] {
  for (const error of errors) {
    const field = prefix ? (/^\d+$/.test(error.property) ? `${prefix}[${error.property}]` : `${prefix}.${error.property}`) : error.property;
    const constraints = Object.entries(error.constraints ?? {});
    // A missing field breaks every rule on it; that it is missing is the one worth saying.
    const missing = constraints.find(([code]) => code === 'isDefined');
    for (const [code, detail] of missing ? [missing] : constraints) into.push({ field, code, detail });
    if (error.children?.length) failures(error.children, field, into);
  }
  return into;
}

export function validationError(errors: readonly ValidationError[], prefix = ''): LedgerError {
  const all = failures(errors, prefix);
  const first = all[0] ?? { field: prefix || 'body', code: 'invalid', detail: 'is invalid' };
  const more = all.length > 1 ? ` (and ${all.length - 1} more: ${all.slice(1).map((e) => e.field).join(', ')})` : '';
  return new LedgerError('VALIDATION_FAILED', `${first.field}: ${first.detail}${more}`, 400, first.field, all.length ? all : [first]);
}

/** The HTTP pipe's class-transformer, with `toInstance` for the plain object bodies of requests. */
const transformer = {
  plainToInstance: <T>(type: Type<T>, plain: unknown, options?: ClassTransformOptions): T | T[] =>
    isRecord(plain) && !options ? (toInstance(type as ClassConstructor<object>, plain) as T) : plainToInstance(type, plain, options),
  classToPlain: (object: unknown, options?: ClassTransformOptions) => instanceToPlain(object, options),
};

/** Options `surelyValid` answers for: the ledger's, and how an error would be shaped. */
function ledgerOptions(options: ValidatorOptions | undefined): boolean {
  if (!options || options.whitelist !== true || options.forbidNonWhitelisted !== true || options.forbidUnknownValues === false) return false;
  return Object.keys(options).every((key) => Object.hasOwn(OPTIONS, key) || key === 'validationError');
}

/** The HTTP pipe's class-validator: a body `surelyValid` passes needs no run of the library's executor. */
const validator = {
  getMetadataStorage,
  validate: (object: object, options?: ValidatorOptions) => (ledgerOptions(options) && surelyValid(object) ? [] : validate(object, options)),
};

export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...OPTIONS,
    transform: true,
    transformerPackage: transformer,
    validatorPackage: validator,
    exceptionFactory: (errors) => validationError(errors),
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * The properties of a request class that class-transformer converts (`@Type`: nested instances,
 * numbers from query strings), found once per class by asking it to convert an empty object at
 * each validated property. Properties without a rule are refused by the whitelist whatever they
 * hold. Request classes use no other class-transformer decorator.
 */
const typed = new WeakMap<object, ReadonlySet<string>>();
function typedKeys(type: ClassConstructor<object>): ReadonlySet<string> {
  let keys = typed.get(type);
  if (!keys) {
    const found = new Set<string>();
    for (const { propertyName } of getMetadataStorage().getTargetValidationMetadatas(type, '', true, false)) {
      const probe = plainToInstance(type, { [propertyName]: {} }) as Record<string, unknown>;
      if (Object.getPrototypeOf(probe[propertyName]) !== Object.prototype) found.add(propertyName);
    }
    typed.set(type, (keys = found));
  }
  return keys;
}

/**
 * What `plainToInstance` makes of a body. Where no `@Type` applies it only copies values key by
 * key (deeply: a batch's thousand commands), which costs a third of validating a command: the
 * values are put on the instance directly. A body with a value at a `@Type` property, or a key
 * that names a method (class-transformer leaves those out), still goes through class-transformer.
 */
export function toInstance<T extends object>(type: ClassConstructor<T>, plain: Record<string, unknown>): T {
  const instance = new type() as T & Record<string, unknown>;
  const keys = typedKeys(type);
  for (const key of Object.keys(plain)) {
    if (keys.has(key) || typeof instance[key] === 'function') return plainToInstance(type, plain);
  }
  return Object.assign(instance, plain);
}

/** The same rules as the HTTP pipe, for bodies that arrive inside another (a batch, a replay line). */
export function validateAs<T extends object>(type: ClassConstructor<T>, plain: unknown, prefix: string): T {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new LedgerError('VALIDATION_FAILED', `${prefix || 'body'}: must be an object`, 400, prefix || undefined);
  }
  const instance = toInstance(type, plain as Record<string, unknown>);
  if (surelyValid(instance)) return instance;
  const errors = validateSync(instance, OPTIONS);
  if (errors.length) throw validationError(errors, prefix);
  return instance;
}
