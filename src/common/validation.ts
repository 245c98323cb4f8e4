import { ValidationPipe } from '@nestjs/common';
import type { ValidationError } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import type { ClassConstructor } from 'class-transformer';
import { validateSync } from 'class-validator';
import { LedgerError } from './ledger-error.js';

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;

/** The first failing field, as a path (`template.category`, `commands[3].timestamp`). */
function firstFailure(errors: readonly ValidationError[], prefix: string): { field: string; reason: string } {
  const error = errors[0]!;
  const field = prefix ? (/^\d+$/.test(error.property) ? `${prefix}[${error.property}]` : `${prefix}.${error.property}`) : error.property;
  if (error.children?.length) return firstFailure(error.children, field);
  const reason = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
  return { field, reason };
}

export function validationError(errors: readonly ValidationError[], prefix = ''): LedgerError {
  const { field, reason } = firstFailure(errors, prefix);
  return new LedgerError('VALIDATION_FAILED', `${field}: ${reason}`, 400, field);
}

export function validationPipe(): ValidationPipe {
  return new ValidationPipe({ ...OPTIONS, transform: true, exceptionFactory: (errors) => validationError(errors) });
}

/** The same rules as the HTTP pipe, for bodies that arrive inside another (a batch, a replay line). */
export function validateAs<T extends object>(type: ClassConstructor<T>, plain: unknown, prefix: string): T {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new LedgerError('VALIDATION_FAILED', `${prefix || 'body'}: must be an object`, 400, prefix || undefined);
  }
  const instance = plainToInstance(type, plain);
  const errors = validateSync(instance, OPTIONS);
  if (errors.length) throw validationError(errors, prefix);
  return instance;
}
