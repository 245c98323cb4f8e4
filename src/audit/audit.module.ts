import { Module } from '@nestjs/common';
import { InvoicesModule } from '../invoices/invoices.module.js';
import { AuditController } from './audit.controller.js';
import { Auditor } from './auditor.js';

@Module({ imports: [InvoicesModule], controllers: [AuditController], providers: [Auditor], exports: [Auditor] })
export class AuditModule {}
