import { Module } from '@nestjs/common';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { AdminUsersController } from './admin-users.controller';

@Module({ controllers: [AdminUsersController], providers: [AdminBootstrapService] })
export class AdminModule {}
