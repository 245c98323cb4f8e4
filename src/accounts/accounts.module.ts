import { Global, Module } from '@nestjs/common';
import { AccountDirectory } from './account-directory.js';
import { AccountsController } from './accounts.controller.js';
import { ChangeSettingsHandler } from './change-settings/change-settings.handler.js';
import { AttachPhoneNumberHandler } from './attach-phone-number/attach-phone-number.handler.js';
import { RegisterAccountHandler } from './register-account/register-account.handler.js';

@Global()
@Module({
  controllers: [AccountsController],
  providers: [AccountDirectory, RegisterAccountHandler, AttachPhoneNumberHandler, ChangeSettingsHandler],
  exports: [AccountDirectory],
})
export class AccountsModule {}
