import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller.js';
import { Auditor } from './auditor.js';

@Module({ controllers: [AuditController], providers: [Auditor], exports: [Auditor] })
export class AuditModule {}
